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

static char root[64];

typedef struct warnings {
    char text[8192];
    int n;
} warnings;

static void on_warn(void *ctx, const char *path, const char *reason, int keep)
{
    warnings *w = ctx;
    size_t len = strlen(w->text);
    snprintf(w->text + len, sizeof w->text - len, "%s: %s%s\n", path, reason,
             keep ? " [keep]" : "");
    w->n++;
}

/* The entries' paths relative to root, joined with "|". */
static char *rel_list(const qr_walk_entry *list, size_t n)
{
    static char out[4096];
    out[0] = '\0';
    size_t rl = strlen(root);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, "|");
        strcat(out, list[i].path + rl + 1);
    }
    return out;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

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
    snprintf(p, sizeof p, "%s/photo.png", root); write_file(p, "\x89PNG");
    snprintf(p, sizeof p, "%s/.hidden.txt", root); write_file(p, "h");
    snprintf(p, sizeof p, "%s/sub", root); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/deep", root); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/deep/c.html", root); write_file(p, "<p>c");
    snprintf(p, sizeof p, "%s/.git", root); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/.git/config.txt", root); write_file(p, "x");
    /* links into the root are left out without a word (their targets are
     * listed); a link out of it is reported; a loop is reported */
    snprintf(p, sizeof p, "%s/link.txt", root);
    snprintf(q, sizeof q, "%s/b.txt", root);
    assert_int_equal(symlink(q, p), 0);
    snprintf(p, sizeof p, "%s/sub/up", root);
    assert_int_equal(symlink(root, p), 0);
    snprintf(p, sizeof p, "%s/outside.txt", root);
    assert_int_equal(symlink("/etc/hostname", p), 0);
    snprintf(p, sizeof p, "%s/loop1", root);
    snprintf(q, sizeof q, "%s/loop2", root);
    assert_int_equal(symlink(q, p), 0);
    assert_int_equal(symlink(p, q), 0);
    snprintf(p, sizeof p, "%s/fifo", root);
    assert_int_equal(mkfifo(p, 0644), 0);

    char *real = realpath(root, NULL);
    const char *roots[] = {real};
    qr_walk_opts o = {.roots = roots, .nroots = 1};
    qr_walk_entry *list = NULL;
    size_t n = 0, cap = 0;
    warnings w = {{0}, 0};
    assert_int_equal(qr_walk(root, &o, &list, &n, &cap, on_warn, &w), 0);
    /* every regular file, whatever its name; no hidden entry */
    assert_string_equal(rel_list(list, n), "a.md|b.txt|photo.png|sub/deep/c.html");
    assert_int_equal(list[1].size, 1);
    assert_false(list[1].via_link);
    assert_non_null(strstr(w.text, "symbolic link loop"));
    assert_non_null(strstr(w.text, "outside.txt: symbolic link to /etc/hostname, outside"));
    assert_non_null(strstr(w.text, "not a regular file"));
    assert_null(strstr(w.text, "link.txt:"));
    assert_null(strstr(w.text, "up:"));
    assert_null(strstr(w.text, "[keep]"));
    assert_int_equal(w.n, 4);   /* loop1, loop2, outside.txt, fifo */
    qr_walk_entries_free(list, n);

    /* --follow-links: the links are listed, a directory loop walked once */
    o.follow_links = 1;
    list = NULL;
    n = cap = 0;
    memset(&w, 0, sizeof w);
    assert_int_equal(qr_walk(root, &o, &list, &n, &cap, on_warn, &w), 0);
    assert_string_equal(rel_list(list, n),
                        "a.md|b.txt|link.txt|outside.txt|photo.png|sub/deep/c.html");
    assert_true(list[2].via_link);
    assert_true(list[3].via_link);
    assert_int_equal(list[1].dev, list[2].dev);
    assert_int_equal(list[1].ino, list[2].ino);   /* the same file */
    assert_non_null(strstr(w.text, "sub/up: directory already walked"));
    qr_walk_entries_free(list, n);
    free(real);
}

static void test_walk_patterns(void **state)
{
    (void)state;
    char p[256];
    const char *dirs[] = {"2019", "2020", "drafts", "2020/drafts", ".cache"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(p, sizeof p, "%s/%s", root, dirs[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    const char *files[] = {"2019/a.txt", "2019/b.png", "2020/c.txt", "2020/d.pdf",
                           "drafts/e.txt", "2020/drafts/f.txt", ".cache/g.txt",
                           ".h.txt", "i.txt"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", root, files[i]);
        write_file(p, "x");
    }
    qr_walk_entry *list = NULL;
    size_t n = 0, cap = 0;
    warnings w = {{0}, 0};

    const char *ex[] = {"*.png", "drafts"};
    qr_walk_opts o = {.exclude = ex, .nexclude = 2};
    assert_int_equal(qr_walk(root, &o, &list, &n, &cap, on_warn, &w), 0);
    assert_string_equal(rel_list(list, n), "2019/a.txt|2020/c.txt|2020/d.pdf|i.txt");
    qr_walk_entries_free(list, n);

    /* a pattern with '/' is anchored at the root; include keeps only
     * matching files but walks every directory; hidden entries on request */
    const char *ex2[] = {"/2020/drafts"};
    const char *in[] = {"*.txt"};
    qr_walk_opts o2 = {.exclude = ex2, .nexclude = 1, .include = in,
                       .ninclude = 1, .hidden = 1};
    list = NULL;
    n = cap = 0;
    assert_int_equal(qr_walk(root, &o2, &list, &n, &cap, on_warn, &w), 0);
    assert_string_equal(rel_list(list, n),
                        ".cache/g.txt|.h.txt|2019/a.txt|2020/c.txt|drafts/e.txt|i.txt");
    qr_walk_entries_free(list, n);
    assert_int_equal(w.n, 0);   /* what the user leaves out is not reported */

    assert_true(qr_walk_excluded(NULL, "x/.git", 1));
    assert_false(qr_walk_excluded(NULL, "x/y.txt", 0));
    assert_true(qr_walk_excluded(&o, "a/drafts", 1));
    assert_false(qr_walk_excluded(&o2, "a/drafts", 1));
}

static void test_walk_missing_root_and_trailing_slash(void **state)
{
    (void)state;
    qr_walk_entry *list = NULL;
    size_t n = 0, cap = 0;
    warnings w = {{0}, 0};
    char p[256];
    snprintf(p, sizeof p, "%s/nope", root);
    assert_int_equal(qr_walk(p, NULL, &list, &n, &cap, on_warn, &w), 0);
    assert_int_equal(n, 0);
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.text, "vanished"));

    snprintf(p, sizeof p, "%s/x.txt", root); write_file(p, "x");
    snprintf(p, sizeof p, "%s///", root);
    assert_int_equal(qr_walk(p, NULL, &list, &n, &cap, on_warn, &w), 0);
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
    assert_int_equal(qr_walk(root, NULL, &list, &n, &cap, NULL, NULL), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].path, p);
    qr_walk_entries_free(list, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_walk_sorted_hidden_and_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_missing_root_and_trailing_slash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_deep_tree, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
