/*
 * fuzz_package.c — one libFuzzer target per family of zip-package readers
 * (FUZZ_OOXML: DOCX, PPTX, XLSX; FUZZ_ODF: ODT, ODP, ODS; FUZZ_EPUB), in
 * process, each input read as every format of the family.
 *
 * Mutated zips rarely get past their CRCs to the XML, so every input is
 * also read wrapped: split at NUL bytes into members "NAME\nDATA" and
 * zipped (stored, correct CRCs) here, so the parsers behind the zip (the
 * relationships, manifests, spines, SAX callbacks, the HTML of chapters)
 * see the mutations. Each read runs with small limits and with the
 * defaults, and must keep the reader contract (fuzz_common.h).
 */
#include "fuzz_common.h"
#include "../zip_writer.h"

#if defined(FUZZ_OOXML)
static const qr_format FORMATS[] = {QR_FMT_DOCX, QR_FMT_PPTX, QR_FMT_XLSX};
#elif defined(FUZZ_ODF)
static const qr_format FORMATS[] = {QR_FMT_ODT, QR_FMT_ODP, QR_FMT_ODS};
#elif defined(FUZZ_EPUB)
static const qr_format FORMATS[] = {QR_FMT_EPUB};
#else
#error "define FUZZ_OOXML, FUZZ_ODF or FUZZ_EPUB"
#endif

#define MAX_MEMBERS 64

static void read_all(const uint8_t *data, size_t size)
{
    qr_read_opts small = fz_small_limits();
    for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++) {
        fz_read("fuzz.pkg", FORMATS[i], data, size, &small);
        fz_read("fuzz.pkg", FORMATS[i], data, size, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_all(data, size);

    zw_zip z;
    memset(&z, 0, sizeof z);
    size_t at = 0;
    for (int k = 0; k < MAX_MEMBERS && at < size; k++) {
        const uint8_t *end = memchr(data + at, '\0', size - at);
        size_t n = end ? (size_t)(end - (data + at)) : size - at;
        const uint8_t *nl = memchr(data + at, '\n', n);
        size_t name_len = nl ? (size_t)(nl - (data + at)) : n;
        const uint8_t *body = nl ? nl + 1 : data + at + n;
        size_t body_len = n - name_len - (nl ? 1 : 0);
        zw_raw(&z, (const char *)data + at, name_len, 0, body, body_len,
               (uint32_t)crc32(0, body, (uInt)body_len), (uint32_t)body_len);
        at += n + 1;
    }
    size_t len;
    unsigned char *zip = zw_end(&z, &len);
    read_all(zip, len);
    free(zip);
    return 0;
}
