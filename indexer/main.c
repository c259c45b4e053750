/*
 * quarry-index — builds and updates a Quarry index.
 * Parses arguments, runs the indexer (lib/ingest/index.h) or the checker
 * (check.h), prints, maps statuses to exit codes.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cmdline.h"
#include "exitcodes.h"
#include "index.h"
#include "util.h"

static const char *prog = "quarry-index";

static void usage(FILE *f)
{
    fprintf(f,
"Usage: %s --db DIR [options] SOURCE...\n"
"       %s --db DIR --delete SOURCE_OR_ID... [options] [SOURCE...]\n"
"       %s --db DIR --check\n"
"\n"
"Index articles into the Quarry index DIR (created if missing). A SOURCE is\n"
"a file (always read), a directory (walked recursively: every regular file,\n"
"hidden entries and links out of it left out unless asked), or - for JSON\n"
"Lines on standard input.\n"
"\n"
"Formats, by content (libmagic) and name: plain text, Markdown, HTML, JSON\n"
"Lines (one article per line with \"id\", \"title\", \"text\", optional\n"
"\"url\", \"date\", \"author\"), PDF, Word, PowerPoint and Excel (DOCX,\n"
"PPTX, XLSX), OpenDocument (ODT, ODP, ODS), EPUB, e-mail (a message, .eml,\n"
"a Maildir file; attachments read as documents of their own), mailboxes\n"
"(mbox) and RTF (through unrtf); any of these gzip'd, and archives of them\n"
"(tar, zip, cpio, 7z, also compressed: .tar.gz, .tar.xz, .tar.bz2,\n"
".tar.zst). PDF, Office, OpenDocument, EPUB, e-mail and RTF are read by\n"
"quarry-extract in a child process, one per file, under the limits of\n"
"--extract-seconds and --extract-memory (QUARRY_EXTRACT names the program\n"
"if it is not beside this one). Every file in a directory is looked at,\n"
"whatever its name; every file not indexed (a format not read, an empty,\n"
"encrypted or damaged file, a zip bomb, a link out of the SOURCEs, ...)\n"
"is reported with its reason and counted as skipped. Articles without a\n"
"date of their own are dated by their file's modification time.\n"
"\n"
"Runs are incremental: unchanged sources are skipped, changed ones replaced,\n"
"and sources that vanished from a directory given here (or that it now\n"
"excludes) are deleted. A SOURCE that is missing or unreadable, or a\n"
"directory that is empty or would lose more than --max-delete of its\n"
"sources, is held: what the index has from it stays, and the run exits 5.\n"
"\n"
"Options:\n"
"  -d, --db DIR          the index directory (required)\n"
"  -l, --lang LANG       a new index's language, for the articles whose\n"
"                        source names none and whose text is not clearly\n"
"                        another (default english; any Snowball language\n"
"                        xapian-core knows, or none)\n"
"      --exact-accents   a new index keeps accents in its terms: cafe no\n"
"                        longer finds café (default: they are folded)\n"
"  -w, --wait SECONDS    if another writer holds the index, wait up to\n"
"                        SECONDS for it (default: fail at once)\n"
"  -f, --force           reindex every source, changed or not (an\n"
"                        interrupted --force is finished by the next run)\n"
"  -r, --rebuild         build a complete new index from the SOURCEs beside\n"
"                        the live one, compact it, and switch readers to it\n"
"                        atomically; the live index stays untouched until\n"
"                        then, and stays if the new one would lose a held\n"
"                        SOURCE's sources (every source counts as added)\n"
"  -c, --check           verify the index (xapian-core's checker and Quarry's\n"
"                        own invariants) instead of indexing; no SOURCE\n"
"  -j, --json            print the summary as one JSON object\n"
"  -v, --verbose         report each source; show progress even when stderr\n"
"                        is not a terminal\n"
"  -q, --quiet           no summary line (warnings still go to stderr)\n"
"      --include GLOB    in directories, index only files matching GLOB\n"
"                        (repeatable; without '/' it matches a name, with\n"
"                        '/' the path below the SOURCE)\n"
"      --exclude GLOB    in directories, leave out files and directories\n"
"                        matching GLOB (repeatable); what was indexed from\n"
"                        them is deleted\n"
"      --hidden          walk hidden entries (names starting with '.') too\n"
"      --follow-links    follow symbolic links out of the SOURCEs (links\n"
"                        into them are never followed: their targets are\n"
"                        walked); a file reached twice is indexed once\n"
"      --max-delete N|P%% hold a SOURCE rather than delete more than N, or\n"
"                        P%%, of its sources in one run (default 50%%;\n"
"                        100%% allows any deletion)\n"
"      --delete SOURCE_OR_ID\n"
"                        remove from the index a source file, every source\n"
"                        under a directory, or a standard-input article id\n"
"                        (repeatable; not with --rebuild)\n"
"      --shards N        split the articles over N shard databases (by a\n"
"                        hash of the article id), written in parallel and\n"
"                        searched as one through DIR's stub; changing N\n"
"                        needs --rebuild (default: keep the index's layout)\n"
"      --batch N         commit after about N passages (default 20000); an\n"
"                        interrupted run loses at most its uncommitted batch\n"
"      --passage-words N aim for passages of N words (default 200)\n"
"      --max-article-bytes N\n"
"                        truncate longer articles, with a warning\n"
"                        (default 33554432)\n"
"      --extract-seconds N\n"
"                        CPU seconds quarry-extract may spend on one PDF\n"
"                        (or other sandboxed) file; it is stopped after\n"
"                        twice as long on the clock (default 60)\n"
"      --extract-memory MB\n"
"                        address space quarry-extract may use for one such\n"
"                        file, at least 256 (default 2048)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Output: a one-line summary on stdout (added, updated, deleted, unchanged,\n"
"skipped sources; passages; MB; seconds), then a line per held SOURCE;\n"
"warnings on stderr, one line each, naming the source and the reason. With\n"
"--json the summary is\n"
"  {\"added\":N,\"updated\":N,\"deleted\":N,\"unchanged\":N,\"skipped\":N,\n"
"   \"partial\":N,\"articles\":N,\"passages\":N,\"bytes\":N,\"seconds\":S,\n"
"   \"skips\":[{\"source\":\"...\",\"reason\":\"...\",\"whole\":true}, ...],\n"
"   \"held\":[{\"root\":\"...\",\"reason\":\"...\",\"kept\":N}, ...]}\n"
"where \"skipped\" counts sources skipped whole, \"partial\" parts skipped\n"
"inside indexed sources (a bad JSON line, an unsafe tar member), and\n"
"\"held\" the SOURCEs whose sources were kept and why.\n"
"\n"
"Exit status (the first that applies: 4 and 3, then 5, then 1, then 0):\n"
"  0  success: every source indexed or unchanged\n"
"  1  success, but some sources or parts of sources were skipped\n"
"  2  usage error\n"
"  3  the index is locked by another writer (see --wait)\n"
"  4  any other failure (the index keeps its last committed state);\n"
"     with --check: the index has faults (each printed on stdout)\n"
"  5  done, but a SOURCE was held: missing, unreadable, empty, or over\n"
"     --max-delete; what the index had from it was kept (a --rebuild was\n"
"     not switched to)\n",
        prog, prog, prog);
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qr_cli_usage_errorv(prog, fmt, ap);
    va_end(ap);
    return QR_EXIT_INDEX_USAGE;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s[0] || s[0] == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

typedef struct cli {
    int verbose;
    int progress;          /* draw the progress line on stderr */
    int progress_drawn;
    qr_buf where, reason;  /* an event's, made printable        */
} cli;

static void clear_progress(cli *c)
{
    if (c->progress_drawn) {
        fputs("\r\033[K", stderr);
        c->progress_drawn = 0;
    }
}

/* s made printable in b (a file name may hold a newline), as the summary's
 * skips show it: a warning stays one line. s itself when memory runs out. */
static const char *shown(qr_buf *b, const char *s)
{
    qr_buf_clear(b);
    if (qr_buf_printable(b, s, strlen(s)) != 0 || qr_buf_append(b, "", 0) != 0)
        return s;
    return b->data;
}

static void on_event(void *ctx, const qr_event *ev)
{
    cli *c = ctx;
    const qr_index_summary *s = ev->summary;
    switch (ev->kind) {
    case QR_EV_WARNING:
    case QR_EV_SKIPPED:
        clear_progress(c);
        fprintf(stderr, "%s: warning: %s: %s%s\n", prog, shown(&c->where, ev->where),
                shown(&c->reason, ev->reason), ev->kind == QR_EV_SKIPPED ? " (skipped)" : "");
        break;
    case QR_EV_HELD: {
        size_t kept = s->nheld ? s->held[s->nheld - 1].kept : 0;
        clear_progress(c);
        fprintf(stderr, "%s: warning: %s: %s; held: %zu source%s kept in "
                "the index\n", prog, shown(&c->where, ev->where),
                shown(&c->reason, ev->reason), kept, kept == 1 ? "" : "s");
        break;
    }
    case QR_EV_SOURCE:
        if (c->verbose && strcmp(ev->action, "unchanged") != 0) {
            clear_progress(c);
            fprintf(stderr, "%s: %s %s\n", prog, ev->action, shown(&c->where, ev->where));
        }
        break;
    case QR_EV_PROGRESS: {
        if (!c->progress)
            break;
        double mb = (double)s->bytes / 1e6;
        double rate = s->seconds > 0 ? mb / s->seconds : 0;
        char eta[32] = "--:--";
        if (rate > 0 && s->bytes_total > s->bytes) {
            double left = ((double)(s->bytes_total - s->bytes) / 1e6) / rate;
            snprintf(eta, sizeof eta, "%02d:%02d", (int)(left / 60),
                     (int)left % 60);
        }
        fprintf(stderr, "\r\033[K%zu/%zu sources, %zu passages, %.1f MB/s, ETA %s",
                s->sources_done, s->sources_total, s->passages, rate, eta);
        c->progress_drawn = 1;
        break;
    }
    }
}

static void on_fault(void *ctx, const char *fault)
{
    qr_buf *lines = ctx;
    if (lines) {
        qr_buf_puts(lines, lines->len ? "," : "");
        qr_buf_json_string(lines, fault, strlen(fault));
    } else {
        puts(fault);
    }
}

/* --check: faults and notes on stdout, then a summary line. */
static int run_check(const char *db, int json)
{
    qr_buf err = {0}, lines = {0};
    size_t faults = 0, notes = 0;
    qr_status st = qr_index_check(db, on_fault, json ? &lines : NULL, &faults,
                                  &notes, &err);
    int code = QR_EXIT_INDEX_OK;
    if (st != QR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.data ? err.data : qr_status_str(st));
        code = QR_EXIT_INDEX_FAILURE;
    } else if (faults) {
        code = QR_EXIT_INDEX_FAILURE;
    }
    if (st == QR_OK) {
        if (json)
            printf("{\"faults\":%zu,\"notes\":%zu,\"messages\":[%s]}\n", faults,
                   notes, lines.data ? lines.data : "");
        else
            printf("%s: %zu faults, %zu notes%s\n", db, faults, notes,
                   faults ? "" : " (index is sound)");
    }
    qr_buf_free(&err);
    qr_buf_free(&lines);
    return code;
}

/* The text summary: one line, then one per held SOURCE. */
static void print_summary(const qr_index_summary *s, qr_status st)
{
    printf("%zu added, %zu updated, %zu deleted, %zu unchanged, "
           "%zu skipped%s; %zu passages, %.1f MB in %.2f s%s\n",
           s->added, s->updated, s->deleted, s->unchanged, s->skipped,
           s->partial ? " (+ parts of sources)" : "", s->passages,
           (double)s->bytes / 1e6, s->seconds,
           (s->added + s->updated + s->deleted) == 0 && st == QR_OK &&
           !s->nheld ? " (nothing to do)" : "");
    for (size_t i = 0; i < s->nheld; i++)
        printf("held %s: %s; kept %zu source%s from it\n", s->held[i].root,
               s->held[i].reason, s->held[i].kept,
               s->held[i].kept == 1 ? "" : "s");
    if (s->not_switched)
        printf("held: the new version was not switched to; the live index "
               "stays as it was\n");
}

/* Options without a short form. */
enum {
    OPT_INCLUDE = 256, OPT_EXCLUDE, OPT_HIDDEN, OPT_FOLLOW_LINKS,
    OPT_MAX_DELETE, OPT_DELETE, OPT_EXACT_ACCENTS
};

/* Parses the command line and runs; lists has room for the repeatable
 * options (3 x argc pointers into argv). */
static int run_main(int argc, char **argv, const char **lists)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"lang", required_argument, NULL, 'l'},
        {"exact-accents", no_argument, NULL, OPT_EXACT_ACCENTS},
        {"wait", required_argument, NULL, 'w'},
        {"force", no_argument, NULL, 'f'},
        {"rebuild", no_argument, NULL, 'r'},
        {"check", no_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"batch", required_argument, NULL, 'B'},
        {"shards", required_argument, NULL, 'S'},
        {"passage-words", required_argument, NULL, 'P'},
        {"max-article-bytes", required_argument, NULL, 'M'},
        {"include", required_argument, NULL, OPT_INCLUDE},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"hidden", no_argument, NULL, OPT_HIDDEN},
        {"follow-links", no_argument, NULL, OPT_FOLLOW_LINKS},
        {"max-delete", required_argument, NULL, OPT_MAX_DELETE},
        {"delete", required_argument, NULL, OPT_DELETE},
        {"extract-seconds", required_argument, NULL, 'X'},
        {"extract-memory", required_argument, NULL, 'Y'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    qr_index_opts o = {0};
    cli c = {0};
    int json = 0, quiet = 0, check = 0;
    unsigned long long v;
    int ch;
    const char **include = lists, **exclude = lists + argc,
               **deletes = lists + 2 * (size_t)argc;
    o.include = include;
    o.exclude = exclude;
    o.deletes = deletes;
    opterr = 0;     /* qr_cli_bad_option words getopt's refusals */
    while ((ch = getopt_long(argc, argv, ":d:l:w:frcjvqhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': o.db_path = optarg; break;
        case 'l': o.lang = optarg; break;
        case OPT_EXACT_ACCENTS: o.exact_accents = 1; break;
        case 'w':
            if (parse_uint(optarg, INT_MAX, &v) != 0)
                return usage_error("--wait needs a number of seconds, not '%s'", optarg);
            o.wait_seconds = (int)v;
            break;
        case 'f': o.force = 1; break;
        case 'r': o.rebuild = 1; break;
        case 'c': check = 1; break;
        case 'j': json = 1; break;
        case 'v': c.verbose = 1; break;
        case 'q': quiet = 1; break;
        case 'B':
            if (parse_uint(optarg, 100000000, &v) != 0 || v == 0)
                return usage_error("--batch needs a positive number, not '%s'", optarg);
            o.batch_passages = (unsigned)v;
            break;
        case 'S':
            if (parse_uint(optarg, 64, &v) != 0 || v == 0)
                return usage_error("--shards needs a number from 1 to 64, not '%s'", optarg);
            o.shards = (unsigned)v;
            break;
        case 'P':
            if (parse_uint(optarg, 100000, &v) != 0 || v < 10)
                return usage_error("--passage-words needs a number >= 10, not '%s'", optarg);
            o.split = qr_split_defaults();
            o.split.target_words = (unsigned)v;
            o.split.min_words = (unsigned)v / 3;
            o.split.max_words = (unsigned)v * 2;
            break;
        case 'M':
            if (parse_uint(optarg, SIZE_MAX, &v) != 0 || v < 1024)
                return usage_error("--max-article-bytes needs a number >= 1024, not '%s'", optarg);
            o.read.max_article_bytes = (size_t)v;
            break;
        case OPT_INCLUDE: include[o.ninclude++] = optarg; break;
        case OPT_EXCLUDE: exclude[o.nexclude++] = optarg; break;
        case OPT_HIDDEN: o.hidden = 1; break;
        case OPT_FOLLOW_LINKS: o.follow_links = 1; break;
        case OPT_MAX_DELETE:
            if (qr_max_delete_parse(optarg, &o.max_delete) != 0)
                return usage_error("--max-delete needs a count N or a "
                                   "percentage P%% (0-100%%), not '%s'", optarg);
            break;
        case OPT_DELETE: deletes[o.ndeletes++] = optarg; break;
        case 'X':
            if (parse_uint(optarg, 86400, &v) != 0 || v == 0)
                return usage_error("--extract-seconds needs a number from 1 to 86400, not '%s'",
                                   optarg);
            o.read.extract_seconds = (unsigned)v;
            break;
        case 'Y':
            if (parse_uint(optarg, (unsigned long long)1 << 40, &v) != 0 || v < 256)
                return usage_error("--extract-memory needs a number of MB >= 256, not '%s'",
                                   optarg);
            o.read.extract_memory = (uint64_t)v << 20;
            break;
        case 'h': usage(stdout); return 0;
        case 'V': return qr_cli_version(prog) == 0 ? 0 : QR_EXIT_INDEX_FAILURE;
        default:
            qr_cli_bad_option(prog, ch, optopt, argv[optind - 1]);
            return QR_EXIT_INDEX_USAGE;
        }
    }
    if (!o.db_path)
        return usage_error("%s", "--db DIR is required");
    if (check) {
        if (optind < argc || o.rebuild)
            return usage_error("%s", "--check takes no SOURCE and no --rebuild");
        return run_check(o.db_path, json);
    }
    if (optind >= argc && o.ndeletes == 0)
        return usage_error("%s", "no SOURCE given (a file, a directory, or - for standard input)");
    if (o.ndeletes && o.rebuild)
        return usage_error("%s", "--delete is for incremental runs: a --rebuild "
                           "keeps only the SOURCEs it is given");

    c.progress = isatty(STDERR_FILENO) || c.verbose;
    o.on_event = on_event;
    o.ctx = &c;
    o.progress_interval = c.progress ? 0.25 : 0;

    qr_buf err = {0};
    qr_indexer *ix = NULL;
    qr_status st = qr_indexer_open(&o, &ix, &err);
    int opened = st == QR_OK;
    if (opened)
        st = qr_indexer_run(ix, (const char *const *)argv + optind,
                            (size_t)(argc - optind), &err);
    clear_progress(&c);
    int code;
    switch (st) {
    case QR_OK: code = QR_EXIT_INDEX_OK; break;
    case QR_ERR_LOCKED: code = QR_EXIT_INDEX_LOCKED; break;
    case QR_ERR_USAGE:
        /* Opening the index judges the command line. Once it is open, an
         * "invalid argument" can only be xapian-core refusing what a
         * writer passed it: a failure of the run, not of its user. */
        code = opened ? QR_EXIT_INDEX_FAILURE : QR_EXIT_INDEX_USAGE;
        break;
    default: code = QR_EXIT_INDEX_FAILURE; break;
    }
    if (st != QR_OK)
        fprintf(stderr, "%s: %s\n", prog, err.data ? err.data : qr_status_str(st));
    if (ix) {
        const qr_index_summary *s = qr_indexer_summary(ix);
        if (st == QR_OK && s->nheld)
            code = QR_EXIT_INDEX_HELD;
        else if (st == QR_OK && (s->skipped || s->partial))
            code = QR_EXIT_INDEX_SKIPPED;
        if (json) {
            qr_buf out = {0};
            qr_summary_json(s, &out);
            if (out.data)
                puts(out.data);
            qr_buf_free(&out);
        } else if (!quiet) {
            print_summary(s, st);
        }
    }
    qr_indexer_free(ix);
    qr_buf_free(&err);
    qr_buf_free(&c.where);
    qr_buf_free(&c.reason);
    return code;
}

int main(int argc, char **argv)
{
    /* --include, --exclude and --delete, pointing into argv */
    const char **lists = calloc(3 * (size_t)argc, sizeof *lists);
    if (!lists) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return QR_EXIT_INDEX_FAILURE;
    }
    int code = run_main(argc, argv, lists);
    free(lists);
    return code;
}
