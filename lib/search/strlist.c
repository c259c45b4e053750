/*
 * strlist.c — growing lists of malloc'd strings, as the parse collects
 * terms, prefixes and stop words.
 */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

int strlist_add(strlist *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    char *p = qr_strndup(s, len);
    if (!p)
        return -1;
    l->v[l->n++] = p;
    return 0;
}

void strlist_clear(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}

void strlist_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int strlist_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int strlist_sink_add(void *sink, const char *term, size_t len,
                     uint32_t unused)
{
    (void)unused;
    strlist_sink *k = sink;
    if (strlist_add(k->list, term, len) != 0) {
        k->failed = 1;
        return 1;
    }
    return 0;
}

void strlist_move(strlist *l, char ***v, size_t *n)
{
    strlist_free(*v, *n);
    *v = l->v;
    *n = l->n;
    *l = (strlist){0};
}

/* Sorts and removes duplicates. */
void strlist_uniq(strlist *l)
{
    if (l->n < 2)
        return;
    qsort(l->v, l->n, sizeof *l->v, strlist_cmp);
    size_t k = 1;
    for (size_t i = 1; i < l->n; i++) {
        if (strcmp(l->v[i], l->v[k - 1]) == 0)
            free(l->v[i]);
        else
            l->v[k++] = l->v[i];
    }
    l->n = k;
}

char *strlist_strdup(const char *s)
{
    return s ? qr_strndup(s, strlen(s)) : NULL;
}
