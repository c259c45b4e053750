/*
 * date.c — the date formats found in article metadata, to "YYYYMMDD".
 *
 * The date is taken as written: a time and a zone, when present, are
 * ignored (no conversion to UTC), so "2017-07-09T23:30-05:00" is 20170709.
 * A year alone ("2023") or a year and a month ("2023-05", "May 2023") is
 * the first day of that year or month (20230101, 20230501), so that the
 * query side's date:2023 finds it. Ambiguous numeric forms ("09/07/2017")
 * and two-digit years are refused.
 */
#include "reader_int.h"

#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* Reads between min and max digits; returns the count read (0 = none or
 * outside the bounds). */
static int read_num(const char **pp, int min, int max, int *v)
{
    const char *p = *pp;
    int n = 0, x = 0;
    while (n < max && is_digit(p[n])) {
        x = x * 10 + (p[n] - '0');
        n++;
    }
    if (n < min || is_digit(p[n]))
        return 0;
    *v = x;
    *pp = p + n;
    return n;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Reads an English month name (full, three letters, or "Sept"), with an
 * optional trailing '.'; returns 1..12 or 0. */
static int read_month(const char **pp)
{
    static const char *const names[12] = {
        "january", "february", "march", "april", "may", "june", "july",
        "august", "september", "october", "november", "december"};
    const char *p = *pp;
    char w[16];
    size_t n = 0;
    while (is_alpha(p[n])) {
        if (n + 1 >= sizeof w)
            return 0;
        w[n] = lower(p[n]);
        n++;
    }
    w[n] = '\0';
    if (n < 3)
        return 0;
    for (int m = 0; m < 12; m++) {
        if (strcmp(w, names[m]) == 0 ||
            (n == 3 && strncmp(w, names[m], 3) == 0) ||
            (m == 8 && strcmp(w, "sept") == 0)) {
            p += n;
            if (*p == '.')
                p++;
            *pp = p;
            return m + 1;
        }
    }
    return 0;
}

/* Skips a leading weekday name ("Sun", "Sunday") and what separates it. */
static const char *skip_weekday(const char *p)
{
    static const char *const days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    size_t n = 0;
    while (is_alpha(p[n]))
        n++;
    if (n < 3)
        return p;
    char w[3] = {lower(p[0]), lower(p[1]), lower(p[2])};
    for (int i = 0; i < 7; i++) {
        if (memcmp(w, days[i], 3) == 0) {
            const char *q = p + n;
            if (*q == '.')
                q++;
            if (*q == ',')
                q++;
            if (!is_space(*q))
                return p;
            while (is_space(*q))
                q++;
            return q;
        }
    }
    return p;
}

static void skip_ordinal(const char **pp)
{
    const char *p = *pp;
    char a = lower(p[0]), b = a ? lower(p[1]) : 0;
    if ((a == 's' && b == 't') || (a == 'n' && b == 'd') ||
        (a == 'r' && b == 'd') || (a == 't' && b == 'h'))
        if (!is_alpha(p[2]))
            *pp = p + 2;
}

/* After a complete date: the end, or something that is not a digit or a
 * letter continuing the last token. */
static int date_end_ok(const char *p, int allow_t)
{
    if (*p == '\0' || is_space(*p) || *p == ',' || *p == ';')
        return 1;
    if (allow_t && (*p == 'T' || *p == 't' || *p == 'Z' || *p == 'z' ||
                    *p == '+' || *p == '-' || *p == '_'))
        return 1;
    return 0;
}

static int parse_iso(const char *p, int *y, int *m, int *d)
{
    if (read_num(&p, 4, 4, y) != 4)
        return -1;
    char sep = *p;
    if (sep != '-' && sep != '/' && sep != '.')
        return -1;
    p++;
    if (!read_num(&p, 1, 2, m) || *p != sep)
        return -1;
    p++;
    if (!read_num(&p, 1, 2, d))
        return -1;
    return date_end_ok(p, 1) ? 0 : -1;
}

static int parse_compact(const char *p, int *y, int *m, int *d)
{
    for (int i = 0; i < 8; i++)
        if (!is_digit(p[i]))
            return -1;
    if (is_digit(p[8]) || !date_end_ok(p + 8, 1))
        return -1;
    *y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    *m = (p[4] - '0') * 10 + (p[5] - '0');
    *d = (p[6] - '0') * 10 + (p[7] - '0');
    return 0;
}

/* "9 July 2017", "09 Jul 2017 10:00:00 +0000", "9-Jul-2017", "9th July, 2017" */
static int parse_day_month_year(const char *p, int *y, int *m, int *d)
{
    if (!read_num(&p, 1, 2, d))
        return -1;
    skip_ordinal(&p);
    if (*p == '.')
        p++;
    if (*p == '-') p++;
    else { if (!is_space(*p)) return -1; while (is_space(*p)) p++; }
    if (!(*m = read_month(&p)))
        return -1;
    if (*p == ',')
        p++;
    if (*p == '-') p++;
    else { if (!is_space(*p)) return -1; while (is_space(*p)) p++; }
    if (read_num(&p, 4, 4, y) != 4)
        return -1;
    return date_end_ok(p, 0) ? 0 : -1;
}

/* At least one blank, then a four-digit year. */
static int read_spaced_year(const char **pp, int *y)
{
    const char *p = *pp;
    if (!is_space(*p))
        return -1;
    while (is_space(*p))
        p++;
    if (read_num(&p, 4, 4, y) != 4)
        return -1;
    *pp = p;
    return 0;
}

/* "Jul 9, 2017", "July 9th 2017" */
static int parse_month_day_year(const char *p, int *y, int *m, int *d)
{
    if (!(*m = read_month(&p)))
        return -1;
    if (!is_space(*p))
        return -1;
    while (is_space(*p))
        p++;
    if (!read_num(&p, 1, 2, d))
        return -1;
    skip_ordinal(&p);
    if (*p == ',')
        p++;
    if (read_spaced_year(&p, y) != 0)
        return -1;
    return date_end_ok(p, 0) ? 0 : -1;
}

/* Only blanks left. */
static int at_end(const char *p)
{
    while (is_space(*p))
        p++;
    return *p == '\0';
}

/* "2023", "2023-05", "2023/5": the first day of the year or month. */
static int parse_year_month(const char *p, int *y, int *m, int *d)
{
    if (read_num(&p, 4, 4, y) != 4)
        return -1;
    *m = 1;
    *d = 1;
    if (*p == '-' || *p == '/') {
        p++;
        if (!read_num(&p, 1, 2, m))
            return -1;
    }
    return at_end(p) ? 0 : -1;
}

/* "May 2023", "Sept. 2023", "May, 2023": the first day of the month. */
static int parse_month_year(const char *p, int *y, int *m, int *d)
{
    if (!(*m = read_month(&p)))
        return -1;
    if (*p == ',')
        p++;
    if (read_spaced_year(&p, y) != 0)
        return -1;
    *d = 1;
    return at_end(p) ? 0 : -1;
}

int qr_date_normalise(const char *in, char out[9])
{
    int y = 0, m = 0, d = 0;
    if (!in)
        return -1;
    const char *p = in;
    while (is_space(*p))
        p++;
    int ok;
    if (is_digit(*p))
        ok = parse_iso(p, &y, &m, &d) == 0 || parse_compact(p, &y, &m, &d) == 0 ||
             parse_day_month_year(p, &y, &m, &d) == 0 ||
             parse_year_month(p, &y, &m, &d) == 0;
    else {
        p = skip_weekday(p);
        ok = is_digit(*p) ? parse_day_month_year(p, &y, &m, &d) == 0
                          : parse_month_day_year(p, &y, &m, &d) == 0 ||
                            parse_month_year(p, &y, &m, &d) == 0;
    }
    if (!ok || y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 ||
        d > days_in_month(y, m))
        return -1;
    int v[8] = {y / 1000, y / 100 % 10, y / 10 % 10, y % 10, m / 10, m % 10, d / 10, d % 10};
    for (int i = 0; i < 8; i++)
        out[i] = (char)('0' + v[i]);
    out[8] = '\0';
    return 0;
}
