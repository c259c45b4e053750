/* test_reader_email.c — e-mail: single messages, mailboxes, Maildir files,
 * attachments through the dispatcher, and hostile mail (GMime, in-process). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader_test_util.h"

#define FIXTURE(name) QUARRY_SOURCE_DIR "/tests/fixtures/mail/" name

static qr_read_opts in_process(void)
{
    qr_read_opts o = {0};
    o.in_process = 1;
    return o;
}

/* Reads a buffer as fmt in-process and expects QR_OK. */
static void read_ok(t_coll *c, const char *name, const char *data, size_t len, qr_format fmt,
                    const qr_read_opts *opts)
{
    qr_read_opts o = opts ? *opts : in_process();
    t_run r = t_read_buf_as(c, name, data, len, fmt, &o);
    if (r.st != QR_OK)
        fail_msg("%s: %s", name, r.reason);
    t_run_free(&r);
}

static const t_art *must_find(const t_coll *c, const char *id)
{
    const t_art *a = t_find_article(c, id);
    if (!a) {
        for (size_t i = 0; i < c->n; i++)
            print_message("have: %s\n", c->arts[i].id);
        fail_msg("no article %s", id);
    }
    return a;
}

/* ------------------------------------------------------------ messages */

/* Reads a fixture file in-process as id: one e-mail article with these
 * title, author, date and body, and nwarn warnings (in c). */
static void check_fixture(t_coll *c, const char *file, const char *id, const char *title,
                          const char *author, const char *date, const char *body, size_t nwarn)
{
    qr_read_opts o = in_process();
    t_run r = t_read_path(c, file, id, &o);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c->n, 1);
    const t_art *a = &c->arts[0];
    assert_string_equal(a->id, id);
    assert_int_equal(a->format, QR_FMT_EMAIL);
    assert_string_equal(a->title, title);
    assert_string_equal(a->author, author);
    assert_string_equal(a->date, date);
    assert_string_equal(a->body, body);
    assert_int_equal(c->nwarn, nwarn);
    t_run_free(&r);
}

static void test_quoted_printable_rfc2047(void **state)
{
    (void)state;
    t_coll c = {0};
    check_fixture(&c, FIXTURE("cafe-qp.eml"), "mail/cafe",
                  "Caf\xC3\xA9 meeting \xE2\x80\x94 notes",
                  "Jos\xC3\xA9 Garc\xC3\xAD" "a <jose@example.com>", "20230314",
                  "We meet at the Caf\xC3\xA9 Lumi\xC3\xA8re on Thursday; a soft line break "
                  "joins these words.\n\nBring the na\xC3\xAFve budget \xE2\x82\xAC" "120 draft.",
                  0);
    t_coll_free(&c);
}

static void test_alternative_prefers_plain(void **state)
{
    (void)state;
    t_coll c = {0};
    check_fixture(&c, FIXTURE("alternative.eml"), "alt.eml", "Alternative parts",
                  "Doe, Jane <jane@example.org>", "20240402",
                  "The plain version mentions aardvark parade.", 0);
    t_coll_free(&c);
}

/* An HTML-only alternative inside multipart/related: the HTML reader's
 * text, its ISO-8859-1 charset winning over a lying <meta charset>; the
 * inline image goes to the dispatcher, which does not read it. */
static void test_html_mail(void **state)
{
    (void)state;
    t_coll c = {0};
    check_fixture(&c, FIXTURE("html.eml"), "html.eml", "Nouvelles d'\xC3\xA9t\xC3\xA9",
                  "news@example.net", "20240601",
                  "L'\xC3\xA9t\xC3\xA9 arrive\n\nLe march\xC3\xA9 ouvre \xC3\xA0 l'aube.\n\n"
                  "Second paragraph & more.", 1);
    assert_string_equal(c.warn_where[0], "html.eml/logo.png");
    t_coll_free(&c);
}

/* A message read alone keeps an mbox "From " line out of its headers; its
 * format can be forced whatever its name. */
static void test_from_line_and_forced(void **state)
{
    (void)state;
    static const char msg[] = "From someone@example.com Mon Jan  1 00:00:00 2024\n"
                              "Subject: Forced\nFrom: someone@example.com\n\nBody text.\n";
    t_coll c = {0};
    read_ok(&c, "no-extension", msg, sizeof msg - 1, QR_FMT_EMAIL, NULL);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].id, "no-extension");
    assert_string_equal(c.arts[0].title, "Forced");
    assert_string_equal(c.arts[0].body, "Body text.");
    t_coll_free(&c);
}

/* A Date field that neither Quarry nor GMime understands is a warning
 * naming the message and the value; the message is read without it. */
static void test_date_not_understood(void **state)
{
    (void)state;
    static const char msg[] = "From: a@example.org\nSubject: Undated\n"
                              "Date: the Tuesday after the storm\n\nBody.\n";
    t_coll c = {0};
    read_ok(&c, "undated.eml", msg, sizeof msg - 1, QR_FMT_EMAIL, NULL);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].date, "");
    t_check_date_warning(&c, "undated.eml", "the Tuesday after the storm");
    t_coll_free(&c);
}

/* ------------------------------------------------------------ mailboxes */

static void check_archive_mbox(const t_coll *c, const char *p)
{
    char id[256];
    snprintf(id, sizeof id, "%s/m1@example.org", p);
    const t_art *a = must_find(c, id);
    assert_int_equal(a->format, QR_FMT_MBOX);
    assert_string_equal(a->title, "Harbour schedule");
    assert_string_equal(a->author, "Harbour Office <harbour@example.org>");
    assert_string_equal(a->date, "20240108");
    /* a "From " line that neither follows a blank line nor has a time
     * stays in the body; ">From " is left as written */
    assert_string_equal(a->body, "The ferry leaves at nine.\n>From the pier, walk north.\n"
                                 "From what we hear, the tide is high.");

    /* the Message-ID's '/' is escaped: ids split one way only */
    snprintf(id, sizeof id, "%s/m2%%2Fx@example.org", p);
    a = must_find(c, id);
    assert_string_equal(a->title, "Minutes and agenda");
    assert_string_equal(a->body, "Attached are the minutes and the agenda.");
    /* text attachments: their own articles, named message id + file name
     * ("../../etc/agenda.txt" made safe; the duplicate numbered) */
    snprintf(id, sizeof id, "%s/m2%%2Fx@example.org/agenda.txt", p);
    a = must_find(c, id);
    assert_int_equal(a->format, QR_FMT_TEXT);
    assert_string_equal(a->title, "Agenda for the caf\xC3\xA9 committee");
    assert_string_equal(a->body, "1. Budget");
    snprintf(id, sizeof id, "%s/m2%%2Fx@example.org/agenda-2.txt", p);
    a = must_find(c, id);
    assert_string_equal(a->body, "Second agenda: the quince orchard.");
    /* the PDF reaches the dispatcher as a unit of its own, named after
     * the message and the file: an article once a PDF reader is in the
     * tree, else a warning there */
    snprintf(id, sizeof id, "%s/m2%%2Fx@example.org/minutes.pdf", p);
    assert_true(t_find_article(c, id) != NULL || t_find_warning(c, id, "") >= 0);

    /* no Message-ID: the ordinal; the forwarded message is in the text */
    snprintf(id, sizeof id, "%s/#3", p);
    a = must_find(c, id);
    assert_string_equal(a->title, "Fwd: Lighthouse repairs");
    assert_string_equal(a->body, "See below.\n\nFrom: Keeper <keeper@example.org>\n"
                                 "Date: Fri, 5 Jan 2024 16:00:00 +0000\n"
                                 "Subject: Lighthouse repairs\n\n"
                                 "The lamp needs a new lens by spring.");
    /* a Message-ID used before: the ordinal */
    snprintf(id, sizeof id, "%s/#4", p);
    a = must_find(c, id);
    assert_string_equal(a->title, "Harbour schedule (again)");
}

static void test_mbox_fixture(void **state)
{
    (void)state;
    qr_read_opts o = in_process();
    t_coll c = {0};
    t_run r = t_read_path(&c, FIXTURE("archive.mbox"), "archive.mbox", &o);
    assert_int_equal(r.st, QR_OK);
    check_archive_mbox(&c, "archive.mbox");
    size_t n = c.n;
    char **ids = calloc(n, sizeof *ids);
    assert_non_null(ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = t_dup(c.arts[i].id);
    t_run_free(&r);
    t_coll_free(&c);

    /* read again, and gzip'd from memory: the same ids in the same order */
    t_bytes raw = t_slurp(FIXTURE("archive.mbox"));
    assert_true(raw.n > 0);
    t_bytes gz = t_gzip(raw.p, raw.n);
    read_ok(&c, "archive.mbox.gz", (const char *)gz.p, gz.n, QR_FMT_UNKNOWN, NULL);
    check_archive_mbox(&c, "archive.mbox.gz");
    assert_int_equal(c.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(c.arts[i].id + strlen("archive.mbox.gz"),
                            ids[i] + strlen("archive.mbox"));
        free(ids[i]);
    }
    free(ids);
    t_coll_free(&c);
    t_bytes_free(&gz);
    t_bytes_free(&raw);
}

/* Keys: Message-IDs escaped, repeats and absences numbered, and earlier
 * ids unchanged when messages are appended. */
static void test_mbox_keys(void **state)
{
    (void)state;
    static const char *const msgs[] = {
        "Message-ID: <a/b%c#d@x>\nSubject: one\n\nfirst\n",
        "Subject: two\n\nno id\n",
        "Message-ID: <#5>\nSubject: three\n\nlooks like an ordinal\n",
        "Message-ID: <a/b%c#d@x>\nSubject: four\n\nrepeat\n",
        "Message-ID: <plain@x>\nSubject: five\n\nlast\n",
    };
    static const char *const want[] = {"box.mbox/a%2Fb%25c%23d@x", "box.mbox/#2",
                                       "box.mbox/%235", "box.mbox/#4", "box.mbox/plain@x"};
    t_bytes box = {0};
    for (size_t k = 1; k <= 5; k++) {
        t_puts(&box, "From x@y Mon Jan  1 00:00:00 2024\n");
        t_puts(&box, msgs[k - 1]);
        t_puts(&box, "\n");
        t_coll c = {0};
        read_ok(&c, "box.mbox", (const char *)box.p, box.n, QR_FMT_UNKNOWN, NULL);
        assert_int_equal(c.n, k);
        for (size_t i = 0; i < k; i++)
            assert_string_equal(c.arts[i].id, want[i]);
        t_coll_free(&c);
    }
    t_bytes_free(&box);
}

/* Where messages split: "From " at the start, after a blank line, or
 * with a time of day; content before the first "From " line is a
 * message too. */
static void test_mbox_splitting(void **state)
{
    (void)state;
    static const char box[] =
        "\n\nSubject: before any From line\n\nstray\n"
        "From a@b Mon Jan  1 00:00:00 2024\nSubject: two\n\nfirst line\nFrom here on, no split\n"
        "From x@y Tue Jan  2 10:20:30 2024\nSubject: three\n\nafter a line, with a time\n"
        "\nFrom no time but after a blank line\nSubject: four\n\nbody four\r\n\r\n"
        "From crlf@x Wed Jan  3 00:00:00 2024\r\nSubject: five\r\n\r\nbody five\r\n";
    t_coll c = {0};
    read_ok(&c, "s.mbox", box, sizeof box - 1, QR_FMT_MBOX, NULL);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.arts[0].title, "before any From line");
    assert_string_equal(c.arts[1].title, "two");
    assert_string_equal(c.arts[1].body, "first line\nFrom here on, no split");
    assert_string_equal(c.arts[2].title, "three");
    assert_string_equal(c.arts[3].title, "four");
    assert_string_equal(c.arts[3].body, "body four");
    assert_string_equal(c.arts[4].title, "five");
    assert_string_equal(c.arts[4].body, "body five");
    assert_string_equal(c.arts[4].id, "s.mbox/#5");
    t_coll_free(&c);

    /* empty, and blank only: nothing, no complaint */
    read_ok(&c, "e.mbox", "", 0, QR_FMT_MBOX, NULL);
    read_ok(&c, "e.mbox", "\n\n\n", 3, QR_FMT_MBOX, NULL);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.nwarn, 0);
    t_coll_free(&c);
}

/* A Maildir is walked like any folder; its files (no extension) are
 * messages when their format is forced or detected. */
static void test_maildir(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char path[512];
    static const char *const sub[] = {"cur", "new", "tmp"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
        assert_int_equal(mkdir(path, 0700), 0);
    }
    static const char one[] = "From: Ann <ann@example.org>\nSubject: Seen message\n"
                              "Date: Wed, 1 Nov 2023 10:00:00 +0000\n\nThe marmalade is ready.\n";
    static const char two[] = "From: Bob <bob@example.org>\nSubject: New message\n"
                              "Content-Type: text/plain; charset=iso-8859-1\n"
                              "Content-Transfer-Encoding: 8bit\n\nCr\xE8me br\xFBl\xE9" "e.\n";
    snprintf(path, sizeof path, "%s/cur", dir);
    char *p1 = t_write_file(path, "1700000000.M1P2.host:2,S", one, sizeof one - 1);
    snprintf(path, sizeof path, "%s/new", dir);
    char *p2 = t_write_file(path, "1700000001.M3P4.host", two, sizeof two - 1);
    qr_read_opts o = in_process();
    t_coll c = {0}, c2 = {0};
    t_run r = t_read_path_as(&c, p1, "Maildir/cur/1700000000.M1P2.host:2,S", QR_FMT_EMAIL, &o);
    assert_int_equal(r.st, QR_OK);
    t_run_free(&r);
    r = t_read_path_as(&c2, p2, "Maildir/new/1700000001.M3P4.host", QR_FMT_EMAIL, &o);
    assert_int_equal(r.st, QR_OK);
    t_run_free(&r);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].id, "Maildir/cur/1700000000.M1P2.host:2,S");
    assert_string_equal(c.arts[0].title, "Seen message");
    assert_string_equal(c.arts[0].author, "Ann <ann@example.org>");
    assert_string_equal(c.arts[0].date, "20231101");
    assert_string_equal(c.arts[0].body, "The marmalade is ready.");
    assert_int_equal(c2.n, 1);
    assert_int_equal(c2.arts[0].format, QR_FMT_EMAIL);
    assert_string_equal(c2.arts[0].body, "Cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e.");
    t_coll_free(&c);
    t_coll_free(&c2);
    unlink(p1);
    unlink(p2);
    free(p1);
    free(p2);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
        rmdir(path);
    }
    t_rmdir(dir);
}

/* ------------------------------------------------------------ attachments */

/* A message with parts of every kind; inner is an attached message with
 * an attachment of its own. */
static void build_attachments(t_bytes *m)
{
    t_puts(m, "From: a@example.org\nSubject: Parts\nContent-Type: multipart/mixed; boundary=P\n\n"
              "--P\nContent-Type: text/plain\n\nThe body.\n"
              "--P\nContent-Type: text/html; name=page.html\nContent-Disposition: attachment\n\n"
              "<html><title>Attached page</title><body><p>page text</p></body></html>\n"
              "--P\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
              "VW5uYW1lZCBwYXJ0IHRleHQu\n"
              "--P\nContent-Type: text/plain; name=\"we\\\\ird\x01name .txt\"\n"
              "Content-Disposition: attachment; filename=\"C:\\\\dir\\\\we\x01ird.txt\"\n\nweird\n"
              "--P\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"..\"\n\n"
              "dots\n"
              "--P\nContent-Type: multipart/signed; boundary=S\n\n"
              "--S\nContent-Type: text/plain\n\nSigned text.\n"
              "--S\nContent-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\n"
              "--S--\n"
              "--P\nContent-Type: application/octet-stream; name=inner.eml\n\n"
              "From: b@example.org\nSubject: Inner\nContent-Type: multipart/mixed; boundary=Q\n\n"
              "--Q\nContent-Type: text/plain\n\ninner body\n"
              "--Q\nContent-Type: application/octet-stream; name=deeper.eml\n"
              "Content-Transfer-Encoding: base64\n\n"
              /* "Subject: Deeper\nContent-Type: multipart/mixed; boundary=R\n\n--R\n\n"
               * "deeper body\n--R\nContent-Type: text/plain; name=deep.txt\n\n"
               * "deep attachment\n--R--\n" */
              "U3ViamVjdDogRGVlcGVyCkNvbnRlbnQtVHlwZTogbXVsdGlwYXJ0L21peGVkOyBib3VuZGFyeT1S\n"
              "CgotLVIKCmRlZXBlciBib2R5Ci0tUgpDb250ZW50LVR5cGU6IHRleHQvcGxhaW47IG5hbWU9ZGVl\n"
              "cC50eHQKCmRlZXAgYXR0YWNobWVudAotLVItLQo=\n"
              "--Q--\n"
              "--P\nContent-Type: text/plain\n"
              "Content-Disposition: attachment; filename*=utf-8''a%01b%7F.txt\n\ncontrols\n"
              "--P\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"");
    for (int i = 0; i < 300; i++)
        t_puts(m, "x");
    t_puts(m, ".txt\"\n\nlong name\n"
              "--P--\n");
}

static void test_attachments(void **state)
{
    (void)state;
    t_bytes m = {0};
    build_attachments(&m);
    t_coll c = {0};
    read_ok(&c, "parts.eml", (const char *)m.p, m.n, QR_FMT_UNKNOWN, NULL);
    const t_art *a = must_find(&c, "parts.eml");
    assert_string_equal(a->body, "The body.\n\nSigned text.");   /* no signature */
    a = must_find(&c, "parts.eml/page.html");
    assert_int_equal(a->format, QR_FMT_HTML);
    assert_string_equal(a->title, "Attached page");
    a = must_find(&c, "parts.eml/part-2");
    assert_string_equal(a->body, "Unnamed part text.");
    /* the last path component; GMime makes the control character a space */
    a = must_find(&c, "parts.eml/we ird.txt");
    assert_string_equal(a->body, "weird");
    must_find(&c, "parts.eml/part-4");           /* ".." is no name */
    a = must_find(&c, "parts.eml/inner.eml");    /* mail attached to mail: one level deeper */
    assert_int_equal(a->format, QR_FMT_EMAIL);
    assert_string_equal(a->title, "Inner");
    assert_string_equal(a->body, "inner body");
    a = must_find(&c, "parts.eml/inner.eml/deeper.eml");
    assert_string_equal(a->body, "deeper body");
    a = must_find(&c, "parts.eml/inner.eml/deeper.eml/deep.txt");   /* depth 3 */
    assert_string_equal(a->body, "deep attachment");
    must_find(&c, "parts.eml/a b_.txt");   /* RFC 2231: %01 a space, DEL made '_' */
    char longname[160] = "parts.eml/";
    memset(longname + 10, 'x', 116);
    strcpy(longname + 126, ".txt");          /* cut at 120 bytes, extension kept */
    must_find(&c, longname);
    assert_int_equal(c.n, 10);
    assert_int_equal(c.nwarn, 0);
    t_coll_free(&c);

    /* in a tar, the message is at depth 1 and deep.txt would be at 4:
     * skipped with a warning */
    t_bytes tar = {0};
    t_tar_member(&tar, "mail/parts.eml", '0', m.p, m.n, NULL);
    t_tar_end(&tar);
    read_ok(&c, "pack.tar", (const char *)tar.p, tar.n, QR_FMT_UNKNOWN, NULL);
    must_find(&c, "pack.tar/mail/parts.eml");
    must_find(&c, "pack.tar/mail/parts.eml/inner.eml/deeper.eml");
    assert_null(t_find_article(&c, "pack.tar/mail/parts.eml/inner.eml/deeper.eml/deep.txt"));
    assert_true(t_find_warning(&c, "pack.tar/mail/parts.eml/inner.eml/deeper.eml/deep.txt",
                               "nested more than 3 deep") >= 0);
    t_coll_free(&c);
    t_bytes_free(&tar);
    t_bytes_free(&m);
}

/* ------------------------------------------------------------ hostile */

static void test_many_parts(void **state)
{
    (void)state;
    t_bytes m = {0};
    t_puts(&m, "Subject: many\nContent-Type: multipart/mixed; boundary=X\n\n");
    char line[64];
    for (int i = 0; i < 100000; i++) {
        snprintf(line, sizeof line, "--X\nContent-Type: text/plain\n\npart %d\n", i);
        t_puts(&m, line);
    }
    t_puts(&m, "--X--\n");
    t_coll c = {0};
    read_ok(&c, "many.eml", (const char *)m.p, m.n, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(c.n, 1);
    assert_non_null(strstr(c.arts[0].body, "part 998"));
    assert_null(strstr(c.arts[0].body, "part 999"));
    assert_true(t_find_warning(&c, "many.eml", "more than 1000 MIME parts") >= 0);
    assert_int_equal(c.nwarn, 1);
    t_coll_free(&c);
    t_bytes_free(&m);

    /* a thousand attachments of one name: numbered, each found at once */
    t_puts(&m, "Subject: same names\nContent-Type: multipart/mixed; boundary=X\n\n");
    for (int i = 0; i < 1200; i++)
        t_puts(&m, "--X\nContent-Disposition: attachment; filename=a.txt\n\nsame\n");
    t_puts(&m, "--X--\n");
    read_ok(&c, "same.eml", (const char *)m.p, m.n, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(c.n, 1000);   /* the message (no text, its title) and 999 parts */
    must_find(&c, "same.eml/a.txt");
    must_find(&c, "same.eml/a-2.txt");
    must_find(&c, "same.eml/a-999.txt");
    t_coll_free(&c);
    t_bytes_free(&m);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    char line[128];
    for (int kind = 0; kind < 2; kind++) {
        t_bytes m = {0};
        t_puts(&m, "Subject: deep\n");
        for (int i = 0; i < 5000; i++) {
            if (kind == 0)
                snprintf(line, sizeof line, "Content-Type: multipart/mixed; boundary=b%d\n\n"
                         "--b%d\n", i, i);
            else
                snprintf(line, sizeof line, "Content-Type: message/rfc822\n\nSubject: s%d\n", i);
            t_puts(&m, line);
        }
        t_puts(&m, "\ninnermost text\n");
        for (int i = 0; i < 100000; i++)
            t_puts(&m, "--zz\n");
        t_coll c = {0};
        read_ok(&c, "deep.eml", (const char *)m.p, m.n, QR_FMT_UNKNOWN, NULL);
        assert_int_equal(c.n, 1);
        assert_string_equal(c.arts[0].title, "deep");
        assert_null(strstr(c.arts[0].body, "innermost"));
        assert_true(t_find_warning(&c, "deep.eml", "nested deeper than 20 levels") >= 0);
        t_coll_free(&c);
        t_bytes_free(&m);
    }
}

static void test_huge_headers(void **state)
{
    (void)state;
    t_bytes m = {0};
    t_puts(&m, "Subject: ");
    for (int i = 0; i < 400000; i++)
        t_puts(&m, "=?utf-8?q?caf=C3=A9?= ");
    t_puts(&m, "\nFrom: ");
    for (int i = 0; i < 100000; i++)
        t_puts(&m, "n <a@b>, ");
    t_puts(&m, "\n");
    for (int i = 0; i < 200000; i++)
        t_puts(&m, "X-Filler: v\n\t continued\n");
    t_puts(&m, "\nthe body\n");
    t_coll c = {0};
    read_ok(&c, "hdr.eml", (const char *)m.p, m.n, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(c.n, 1);
    assert_true(strlen(c.arts[0].title) <= 4096);
    assert_true(strncmp(c.arts[0].title, "caf\xC3\xA9", 5) == 0);
    assert_true(strncmp(c.arts[0].author, "n <a@b>, n <a@b>", 16) == 0);
    assert_string_equal(c.arts[0].body, "the body");
    t_coll_free(&c);
    t_bytes_free(&m);
}

static void test_broken_encodings(void **state)
{
    (void)state;
    static const char msg[] =
        "Subject: =?x-no-such-charset?q?caf=E9?= =?utf-8?b?!!!broken?=\n"
        "Content-Type: multipart/mixed; boundary=B\n\n"
        "--B\nContent-Type: text/plain; charset=x-no-such-charset\n\ncaf\xE9 bad charset\n"
        "--B\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        "SGVsbG8g!!!d29y*bGQ=\n===\n\x01\n"
        "--B\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
        "bad =ZZ escapes and a trailing =\n"
        "--B\nContent-Type: text/plain; charset=\"utf-16le\"\n\nh\0i\0\n"
        "--B\nContent-Type: text/plain\nContent-Transfer-Encoding: x-unknown\n\nkept as is\n"
        "--B\nContent-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\n"
        "begin 644 u.txt\n6:&5L;&\\@=75E;F-O9&5D('=O<FQD\"@  \n`\nend\n"
        "--B\nContent-Type: multipart/mixed\n\nno boundary parameter\n"
        "--B\nContent-Type: multipart/mixed; boundary=never\n\nno delimiter ever\n"
        "--B";   /* cut in the middle of a delimiter */
    t_coll c = {0};
    read_ok(&c, "bad.eml", msg, sizeof msg - 1, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(c.n, 1);
    const char *b = c.arts[0].body;
    assert_non_null(strstr(b, "caf\xC3\xA9 bad charset"));
    assert_non_null(strstr(b, "Hello"));
    assert_non_null(strstr(b, "bad =ZZ escapes"));
    assert_non_null(strstr(b, "hi"));
    assert_non_null(strstr(b, "kept as is"));
    assert_non_null(strstr(b, "hello uuencoded world"));
    assert_non_null(strstr(b, "no boundary parameter"));
    assert_non_null(strstr(b, "no delimiter ever"));
    assert_true(t_find_warning(&c, "bad.eml", "unknown charset \"x-no-such-charset\"") >= 0);
    t_coll_free(&c);
}

/* NUL bytes: in header fields they are spaces; a text part holding them
 * is binary (as a text file would be) and skipped; content that is binary
 * and does not start like mail is refused. */
static void test_nul_and_binary(void **state)
{
    (void)state;
    static const char msg[] = "Subject: nul\0here\nFrom: a\0b@example.org\n\nbody\0text\n";
    t_coll c = {0};
    read_ok(&c, "nul.eml", msg, sizeof msg - 1, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].title, "nul here");
    assert_string_equal(c.arts[0].body, "");
    assert_true(t_find_warning(&c, "nul.eml", "binary content") >= 0);
    t_coll_free(&c);

    unsigned char png[600];
    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    for (size_t i = 8; i < sizeof png; i++)
        png[i] = (unsigned char)(i * 7);
    qr_read_opts o = in_process();
    t_run r = t_read_buf_as(&c, "image.eml", png, sizeof png, QR_FMT_UNKNOWN, &o);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "binary file");
    t_run_free(&r);
    r = t_read_buf_as(&c, "image.mbox", png, sizeof png, QR_FMT_UNKNOWN, &o);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    t_run_free(&r);

    t_bytes m = {0};
    t_puts(&m, "Subject: binary part\nContent-Type: multipart/mixed; boundary=B\n\n"
               "--B\nContent-Type: text/plain\n\nreadable\n--B\nContent-Type: text/plain\n\n");
    t_put(&m, png, sizeof png);
    t_puts(&m, "\n--B--\n");
    read_ok(&c, "binpart.eml", (const char *)m.p, m.n, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].body, "readable");
    assert_true(t_find_warning(&c, "binpart.eml", "binary content") >= 0);
    t_coll_free(&c);
    t_bytes_free(&m);
}

/* A mailbox keeps its good messages: one over the size limit, one with no
 * text, and the end cut short (plain, and gzip'd) cost warnings only. */
static void test_mbox_broken_messages(void **state)
{
    (void)state;
    t_bytes box = {0};
    t_puts(&box, "From a Mon Jan  1 00:00:00 2024\nSubject: good one\n\nfirst good\n\n");
    t_puts(&box, "From b Mon Jan  1 00:00:00 2024\nSubject: too big\n\n");
    for (int i = 0; i < 2000; i++)
        t_puts(&box, "0123456789 0123456789 0123456789 0123456789\n");
    t_puts(&box, "\nFrom c Mon Jan  1 00:00:00 2024\n\n\n");
    t_puts(&box, "From d Mon Jan  1 00:00:00 2024\nSubject: good two\n\nsecond good\n\n");
    t_puts(&box, "From e Mon Jan  1 00:00:00 2024\nSubject: cut short\n"
                 "Content-Type: multipart/mixed; boundary=Z\n\n--Z\n\npartial te");
    qr_read_opts o = in_process();
    o.max_article_bytes = 10000;   /* max_doc = 40,000 */
    t_coll c = {0};
    read_ok(&c, "b.mbox", (const char *)box.p, box.n, QR_FMT_UNKNOWN, &o);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.arts[0].id, "b.mbox/#1");
    assert_string_equal(c.arts[1].id, "b.mbox/#4");
    assert_string_equal(c.arts[1].body, "second good");
    assert_string_equal(c.arts[2].id, "b.mbox/#5");
    assert_string_equal(c.arts[2].body, "partial te");
    assert_true(t_find_warning(&c, "b.mbox/#2", "message larger than 40000 bytes") >= 0);
    assert_true(t_find_warning(&c, "b.mbox/#3", "no text") >= 0);
    t_coll_free(&c);

    /* gzip cut in the middle: the messages before the damage are kept */
    t_bytes gz = t_gzip(box.p, box.n);
    t_run r = t_read_buf_as(&c, "b.mbox.gz", gz.p, gz.n / 2, QR_FMT_UNKNOWN, &o);
    assert_int_equal(r.st, QR_OK);
    assert_true(c.n >= 1);
    assert_string_equal(c.arts[0].body, "first good");
    assert_true(t_find_warning(&c, "b.mbox.gz", "cut short") >= 0);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&gz);

    /* a single message larger than the limit fails as a whole */
    r = t_read_buf_as(&c, "big.eml", box.p, box.n, QR_FMT_UNKNOWN, &o);
    assert_int_equal(r.st, QR_ERR_TOO_BIG);
    t_run_free(&r);
    t_coll_free(&c);

    /* a line longer than the mailbox's line window, and one without end */
    t_bytes_free(&box);
    t_puts(&box, "From a Mon Jan  1 00:00:00 2024\nSubject: long line\n\n");
    for (int i = 0; i < 20000; i++)
        t_puts(&box, "word ");
    t_puts(&box, "\nFrom b Mon Jan  1 00:00:00 2024\nSubject: no end\n\nlast line");
    read_ok(&c, "l.mbox", (const char *)box.p, box.n, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.arts[0].body_len, 20000 * 5 - 1);
    assert_string_equal(c.arts[1].body, "last line");
    t_coll_free(&c);
    t_bytes_free(&box);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoted_printable_rfc2047),
        cmocka_unit_test(test_alternative_prefers_plain),
        cmocka_unit_test(test_html_mail),
        cmocka_unit_test(test_from_line_and_forced),
        cmocka_unit_test(test_date_not_understood),
        cmocka_unit_test(test_mbox_fixture),
        cmocka_unit_test(test_mbox_keys),
        cmocka_unit_test(test_mbox_splitting),
        cmocka_unit_test(test_maildir),
        cmocka_unit_test(test_attachments),
        cmocka_unit_test(test_many_parts),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_huge_headers),
        cmocka_unit_test(test_broken_encodings),
        cmocka_unit_test(test_nul_and_binary),
        cmocka_unit_test(test_mbox_broken_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
