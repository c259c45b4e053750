/* Unit tests: lib/ingest/layout.c — stub layout, writer lock, version switch,
 * cleanup of leftovers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"

static char root[64], idx[128];

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/quarry-layout.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(idx, sizeof idx, "%s/idx", root);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return qr_remove_tree(root);
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
}

static void test_probe(void **state)
{
    (void)state;
    char p[256];
    assert_int_equal(qr_layout_probe(idx), QR_LAYOUT_NONE);
    mkdir(idx, 0755);
    assert_int_equal(qr_layout_probe(idx), QR_LAYOUT_NONE);   /* empty dir */
    snprintf(p, sizeof p, "%s/v000001", idx);
    mkdir(p, 0755);
    assert_int_equal(qr_layout_probe(idx), QR_LAYOUT_NONE);   /* unfinished first run */
    snprintf(p, sizeof p, "%s/notes.txt", idx);
    touch(p);
    assert_int_equal(qr_layout_probe(idx), QR_LAYOUT_OTHER);  /* someone's files */
    unlink(p);
    assert_int_equal(qr_layout_switch(idx, "v000001", NULL), QR_OK);
    assert_int_equal(qr_layout_probe(idx), QR_LAYOUT_STUB_DIR);
    snprintf(p, sizeof p, "%s/stubfile", root);
    touch(p);
    assert_int_equal(qr_layout_probe(p), QR_LAYOUT_STUB_FILE);
    snprintf(p, sizeof p, "%s/glass", root);
    mkdir(p, 0755);
    strcat(p, "/iamglass");
    touch(p);
    p[strlen(p) - strlen("/iamglass")] = '\0';
    assert_int_equal(qr_layout_probe(p), QR_LAYOUT_GLASS);
}

static void test_switch_and_versions(void **state)
{
    (void)state;
    mkdir(idx, 0755);
    assert_null(qr_layout_live(idx));
    char *next = qr_layout_next_version(idx);
    assert_string_equal(next, "v000001");
    free(next);
    qr_buf err = {0};
    assert_int_equal(qr_layout_switch(idx, "v000007", &err), QR_OK);
    char *live = qr_layout_live(idx);
    assert_string_equal(live, "v000007");
    free(live);
    next = qr_layout_next_version(idx);
    assert_string_equal(next, "v000008");
    free(next);
    /* the stub is exactly what xapian-core reads */
    char p[256], line[64] = "";
    snprintf(p, sizeof p, "%s/XAPIANDB", idx);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "auto v000007\n");
    /* a stub that is not ours is not trusted */
    f = fopen(p, "w");
    fputs("auto ../../etc\n", f);
    fclose(f);
    assert_null(qr_layout_live(idx));
    qr_buf_free(&err);
}

static void test_cleanup_keeps_live_only(void **state)
{
    (void)state;
    mkdir(idx, 0755);
    const char *names[] = {"v000001", "v000002", "v000003.build", "v000003"};
    char p[256];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", idx, names[i]);
        mkdir(p, 0755);
        strcat(p, "/table");
        touch(p);
    }
    snprintf(p, sizeof p, "%s/keep-me", idx);
    touch(p);
    assert_int_equal(qr_layout_switch(idx, "v000002", NULL), QR_OK);
    snprintf(p, sizeof p, "%s/XAPIANDB.tmp", idx);    /* a switch cut short */
    touch(p);
    assert_int_equal(qr_layout_cleanup(idx, NULL), 4);
    snprintf(p, sizeof p, "%s/v000002/table", idx);
    assert_int_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/v000001", idx);
    assert_int_not_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/v000003.build", idx);
    assert_int_not_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/keep-me", idx);
    assert_int_equal(access(p, F_OK), 0);   /* not ours: never removed */

    /* an unfinished new version to resume stays when named */
    snprintf(p, sizeof p, "%s/v000003.build", idx);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/v000004", idx);
    mkdir(p, 0755);
    assert_int_equal(qr_layout_cleanup(idx, "v000003.build"), 1);
    snprintf(p, sizeof p, "%s/v000003.build", idx);
    assert_int_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/v000004", idx);
    assert_int_not_equal(access(p, F_OK), 0);
}

static void test_lock_excludes_and_waits(void **state)
{
    (void)state;
    int fd = -1, fd2 = -1;
    qr_buf err = {0};
    assert_int_equal(qr_layout_lock(idx, 0, &fd, &err), QR_OK);
    /* flock conflicts between open file descriptions: a child process */
    pid_t pid = fork();
    if (pid == 0) {
        qr_buf e = {0};
        int f = -1;
        qr_status st = qr_layout_lock(idx, 0, &f, &e);
        int named = e.data && strstr(e.data, idx) && strstr(e.data, "process");
        if (!named)
            fprintf(stderr, "lock message: %s\n", e.data ? e.data : "(none)");
        if (st != QR_ERR_LOCKED)
            fprintf(stderr, "lock status %d: %s\n", (int)st, e.data ? e.data : "");
        _exit(st == QR_ERR_LOCKED ? (named ? 0 : 2) : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* a waiting child gets the lock once it is released */
    pid = fork();
    if (pid == 0) {
        qr_buf e = {0};
        int f = -1;
        /* the inherited descriptor shares the parent's lock: drop it */
        close(fd);
        _exit(qr_layout_lock(idx, 10, &f, &e) == QR_OK ? 0 : 1);
    }
    struct timespec nap = {0, 200 * 1000 * 1000};
    nanosleep(&nap, NULL);
    qr_layout_unlock(fd);
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(qr_layout_lock(idx, 0, &fd2, &err), QR_OK);
    qr_layout_unlock(fd2);
    qr_buf_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switch_and_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cleanup_keeps_live_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_excludes_and_waits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
