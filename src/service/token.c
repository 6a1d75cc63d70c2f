/* Pagination tokens: see token.h. */
#include "service/token.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hindcast/buf.h"
#include "workspace/workspace.h"

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13);
    v[1] ^= v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17);
    v[1] ^= v[2];
    v[2] = rotl(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | p[i];
    return x;
}

uint64_t hc_siphash24(const uint8_t key[16], const void *data, size_t len)
{
    const uint8_t *in = data;
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                     k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(in + i);
        v[3] ^= m;
        sip_round(v);
        sip_round(v);
        v[0] ^= m;
    }
    uint64_t last = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        last |= (uint64_t)in[full + i] << (8 * i);
    v[3] ^= last;
    sip_round(v);
    sip_round(v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

int hc_token_secret(const char *root, uint8_t key[16], hc_error *err)
{
    char *path = hc_path2(root, "secret");
    if (!path)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    int rc = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        uint8_t fresh[16];
        int rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (rnd < 0 || read(rnd, fresh, sizeof fresh) != (ssize_t)sizeof fresh) {
            rc = hc_error_set(err, HC_ERR_IO, "cannot read /dev/urandom");
        } else {
            /* Two processes may race to create it: O_EXCL picks one, the
             * other reads the winner's key. */
            int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (out >= 0) {
                if (write(out, fresh, sizeof fresh) != (ssize_t)sizeof fresh ||
                    fsync(out) != 0)
                    rc = hc_error_set(err, HC_ERR_IO, "cannot write %s", path);
                close(out);
            }
        }
        if (rnd >= 0)
            close(rnd);
        if (rc == 0)
            fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (rc == 0) {
        if (fd < 0 || read(fd, key, 16) != 16)
            rc = hc_error_set(err, HC_ERR_INTERNAL,
                              "workspace secret %s is unreadable or damaged", path);
    }
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

static const char hex[] = "0123456789abcdef";

char *hc_token_make(const uint8_t key[16], int64_t expiry, uint64_t filters,
                    const char *last_key)
{
    hc_buf payload = HC_BUF_INIT, token = HC_BUF_INIT;
    hc_buf_printf(&payload, "%" PRId64 "|%016" PRIx64 "|%s", expiry, filters,
                  last_key);
    if (payload.failed) {
        hc_buf_free(&payload);
        return NULL;
    }
    for (size_t i = 0; i < payload.len; i++) {
        unsigned char c = (unsigned char)payload.data[i];
        hc_buf_putc(&token, hex[c >> 4]);
        hc_buf_putc(&token, hex[c & 15]);
    }
    hc_buf_printf(&token, ".%016" PRIx64,
                  hc_siphash24(key, payload.data, payload.len));
    hc_buf_free(&payload);
    if (token.failed) {
        hc_buf_free(&token);
        return NULL;
    }
    return token.data;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int hc_token_read(const uint8_t key[16], const char *token, int64_t now,
                  uint64_t filters, char **last_key, hc_error *err)
{
    *last_key = NULL;
    const char *dot = strrchr(token, '.');
    size_t hlen = dot ? (size_t)(dot - token) : 0;
    if (!dot || hlen == 0 || hlen % 2 || strlen(dot + 1) != 16)
        return hc_error_set(err, HC_ERR_INVALID_TOKEN,
                            "The NextToken is not valid.");
    hc_buf payload = HC_BUF_INIT;
    for (size_t i = 0; i < hlen; i += 2) {
        int hi = hexval(token[i]), lo = hexval(token[i + 1]);
        if (hi < 0 || lo < 0) {
            hc_buf_free(&payload);
            return hc_error_set(err, HC_ERR_INVALID_TOKEN,
                                "The NextToken is not valid.");
        }
        hc_buf_putc(&payload, (char)(hi << 4 | lo));
    }
    char *end;
    uint64_t mac = strtoull(dot + 1, &end, 16);
    int rc = 0;
    if (payload.failed || *end ||
        mac != hc_siphash24(key, payload.data, payload.len) ||
        memchr(payload.data, '\0', payload.len)) {
        rc = hc_error_set(err, HC_ERR_INVALID_TOKEN, "The NextToken is not valid.");
        goto done;
    }
    long long expiry;
    unsigned long long fh;
    int used = 0;
    if (sscanf(payload.data, "%lld|%16llx|%n", &expiry, &fh, &used) != 2 || used == 0) {
        rc = hc_error_set(err, HC_ERR_INVALID_TOKEN, "The NextToken is not valid.");
        goto done;
    }
    if ((uint64_t)fh != filters) {
        rc = hc_error_set(err, HC_ERR_INVALID_TOKEN,
                          "The NextToken belongs to a request with other "
                          "Filters.");
        goto done;
    }
    if (now > expiry) {
        rc = hc_error_set(err, HC_ERR_INVALID_TOKEN, "The NextToken has expired.");
        goto done;
    }
    size_t klen = payload.len - (size_t)used;
    *last_key = malloc(klen + 1);
    if (!*last_key) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(*last_key, payload.data + used, klen);
    (*last_key)[klen] = '\0';
done:
    hc_buf_free(&payload);
    return rc;
}
