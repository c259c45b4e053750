/*
 * fuzz_reader.c — one libFuzzer target per reader, built several times
 * with FUZZ_NAME (the source name: it picks the gzip layer and the member
 * naming) and FUZZ_FORMAT (a forced format, or QR_FMT_UNKNOWN to detect).
 *
 * Each input is read twice: with small limits, so that a few KB reach the
 * truncation, line-skip and decompression-bomb paths, and with the default
 * limits. Every article must keep the reader contract (fuzz_common.h).
 */
#include "fuzz_common.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME must name the source, e.g. \"fuzz.txt\""
#endif
#ifndef FUZZ_FORMAT
#error "FUZZ_FORMAT must be a qr_format"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qr_read_opts small = fz_small_limits();
    fz_read(FUZZ_NAME, FUZZ_FORMAT, data, size, &small);
    fz_read(FUZZ_NAME, FUZZ_FORMAT, data, size, NULL);
    return 0;
}
