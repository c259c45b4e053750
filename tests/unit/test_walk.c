/* Unit tests: lib/ingest/walk.c — recursive listing with hostile trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "walk.h"

typedef struct warnings {
    char text[8192];
    int n;
} warnings;

static void on_warn(void *ctx, const char *path, const char *reason)
{
    warnings *w = ctx;
    size_t len = strlen(w->text);
    snprintf(w->text + len, sizeof w->text - len, "%s: %s\n", path, reason);
    w->n++;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char root[64];

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/quarry-walk.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_walk_sorted_hidden_and_links(void **state)
{
    (void)state;
    char p[256], q[256];
    snprintf(p, sizeof p, "%s/b.txt", root); write_file(p, "b");
    snprintf(p, sizeof p, "%s/a.md", root); write_file(p, "a");
    snprintf(p, sizeof p, "%s/.hidden.txt", root); write_file(p, "h");
    snprintf(p, sizeof p, "%s/sub", root); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/deep", root); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/deep/c.html", root); write_file(p, "<p>c");
    snprintf(p, sizeof p, "%s/.git", root); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/.git/config.txt", root); write_file(p, "x");
    /* a link to a file is followed; to a directory not; a loop reported */
    snprintf(p, sizeof p, "%s/link.txt", root);
    snprintf(q, sizeof q, "%s/b.txt", root);
    assert_int_equal(symlink(q, p), 0);
    snprintf(p, sizeof p, "%s/sub/up", root);
    assert_int_equal(symlink(root, p), 0);
    snprintf(p, sizeof p, "%s/loop1", root);
    snprintf(q, sizeof q, "%s/loop2", root);
    assert_int_equal(symlink(q, p), 0);
    assert_int_equal(symlink(p, q), 0);
    snprintf(p, sizeof p, "%s/fifo", root);
    assert_int_equal(mkfifo(p, 0644), 0);

    qr_walk_entry *list = NULL;
    size_t n = 0, cap = 0;
    warnings w = {{0}, 0};
    assert_int_equal(qr_walk(root, &list, &n, &cap, on_warn, &w), 0);
    assert_int_equal(n, 4);
    snprintf(p, sizeof p, "%s/a.md", root);
    assert_string_equal(list[0].path, p);
    snprintf(p, sizeof p, "%s/b.txt", root);
    assert_string_equal(list[1].path, p);
    assert_int_equal(list[1].size, 1);
    snprintf(p, sizeof p, "%s/link.txt", root);
    assert_string_equal(list[2].path, p);
    snprintf(p, sizeof p, "%s/sub/deep/c.html", root);
    assert_string_equal(list[3].path, p);
    assert_non_null(strstr(w.text, "symbolic link loop"));
    assert_non_null(strstr(w.text, "directory not followed"));
    assert_non_null(strstr(w.text, "not a regular file"));
    assert_int_equal(w.n, 4);   /* loop1, loop2, up, fifo */
    qr_walk_entries_free(list, n);
}

static void test_walk_missing_root_and_trailing_slash(void **state)
{
    (void)state;
    qr_walk_entry *list = NULL;
    size_t n = 0, cap = 0;
    warnings w = {{0}, 0};
    char p[256];
    snprintf(p, sizeof p, "%s/nope", root);
    assert_int_equal(qr_walk(p, &list, &n, &cap, on_warn, &w), 0);
    assert_int_equal(n, 0);
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.text, "vanished"));

    snprintf(p, sizeof p, "%s/x.txt", root); write_file(p, "x");
    snprintf(p, sizeof p, "%s///", root);
    assert_int_equal(qr_walk(p, &list, &n, &cap, on_warn, &w), 0);
    assert_int_equal(n, 1);
    snprintf(p, sizeof p, "%s/x.txt", root);
    assert_string_equal(list[0].path, p);
    qr_walk_entries_free(list, n);
}

static void test_walk_deep_tree(void **state)
{
    (void)state;
    /* 300 levels: far past any recursion a naive walker would survive
     * with small stacks, and past PATH_MAX-relative tricks */
    char p[8192];
    snprintf(p, sizeof p, "%s", root);
    for (int i = 0; i < 300; i++) {
        strcat(p, "/d");
        assert_int_equal(mkdir(p, 0755), 0);
    }
    strcat(p, "/leaf.txt");
    write_file(p, "leaf");
    qr_walk_entry *list = NULL;
    size_t n = 0, cap = 0;
    assert_int_equal(qr_walk(root, &list, &n, &cap, NULL, NULL), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].path, p);
    qr_walk_entries_free(list, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_walk_sorted_hidden_and_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_missing_root_and_trailing_slash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_deep_tree, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
