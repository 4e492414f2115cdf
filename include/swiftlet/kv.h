/*
 * swiftlet/kv.h: the key-value store a Swiftlet host offers to guests, as the Wasm import module "kv".
 *
 * A module reaches only the stores its host granted it (`swiftlet run --kv-store NAME`, or a route's `kv_stores`
 * under `swiftlet serve`), as it reaches only its preopened directories. The host keeps the stores in SQLite (the
 * default: a file per run, or `--kv-dir DIR`) or in Redis (`--kv redis://HOST:PORT`); a set that returned success is
 * durable against a crash of the host process.
 *
 * Every function returns a WASI errno (0 on success; SWIFTLET_KV_ERRNO_X below is <wasi/api.h>'s __WASI_ERRNO_X) and
 * writes its results through pointers, into buffers the caller owns.
 *
 * Build a guest with wasi-libc (`clang --target=wasm32-wasi -I include ...`); the imports need no library.
 */
#ifndef SWIFTLET_KV_H
#define SWIFTLET_KV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The errnos, WASI preview1's values. */
enum {
    SWIFTLET_KV_ERRNO_SUCCESS = 0,
    /* A key longer than the host's key limit (256 bytes unless configured), or a value longer than its value limit
     * (1 MiB unless configured). */
    SWIFTLET_KV_ERRNO_2BIG = 1,
    /* A number that is not a handle kv_open gives. */
    SWIFTLET_KV_ERRNO_BADF = 8,
    /* A pointer or length outside the module's memory. */
    SWIFTLET_KV_ERRNO_FAULT = 21,
    /* An empty key or store name. */
    SWIFTLET_KV_ERRNO_INVAL = 28,
    /* The backend failed (e.g. Redis is down); the host logs why, and a later call tries again. */
    SWIFTLET_KV_ERRNO_IO = 29,
    /* get/delete: no such key. */
    SWIFTLET_KV_ERRNO_NOENT = 44,
    /* get: the value does not fit the buffer (nothing copied; *value_len is its length); list: the buffer cannot hold
     * the next key. */
    SWIFTLET_KV_ERRNO_RANGE = 68,
    /* open: the store was not granted to this module. */
    SWIFTLET_KV_ERRNO_NOTCAPABLE = 76,
};

#ifdef __wasm__
#define SWIFTLET_KV_IMPORT(name) __attribute__((import_module("kv"), import_name(name)))
#else
/* A native build links its own definitions (the serving benchmark's native peer: bench/serve/kv_memory.c). */
#define SWIFTLET_KV_IMPORT(name)
#endif

/* A granted store, named by number. A handle holds no host resources, so it stays valid for the whole run and the
 * same name opens to the same handle. */
typedef uint32_t swiftlet_kv_store;

/* Opens the granted store `name` (name_len bytes, UTF-8). */
SWIFTLET_KV_IMPORT("open")
uint32_t swiftlet_kv_open(const char *name, size_t name_len, swiftlet_kv_store *store);

/* Copies the value of `key` into value[0..<value_capacity] and its length to *value_len. */
SWIFTLET_KV_IMPORT("get")
uint32_t swiftlet_kv_get(swiftlet_kv_store store, const void *key, size_t key_len, void *value, size_t value_capacity,
                         size_t *value_len);

/* Sets `key` to value[0..<value_len], replacing any value it had. */
SWIFTLET_KV_IMPORT("set")
uint32_t swiftlet_kv_set(swiftlet_kv_store store, const void *key, size_t key_len, const void *value,
                         size_t value_len);

/* Removes `key`. */
SWIFTLET_KV_IMPORT("delete")
uint32_t swiftlet_kv_delete(swiftlet_kv_store store, const void *key, size_t key_len);

/* *exists = 1 if `key` has a value, else 0. */
SWIFTLET_KV_IMPORT("exists")
uint32_t swiftlet_kv_exists(swiftlet_kv_store store, const void *key, size_t key_len, uint32_t *exists);

/*
 * Lists keys in ascending byte order, as many as fit in buffer[0..<capacity], starting at `cursor` (0 for the first
 * call, then the *next_cursor of the previous one). Each key is laid out as its length (uint32_t, little-endian,
 * unaligned) followed by its bytes; *count is the number of keys written. *next_cursor is 0 once every key was
 * listed. Keys set or deleted between calls may be listed twice or skipped, never listed if they never existed.
 */
SWIFTLET_KV_IMPORT("list")
uint32_t swiftlet_kv_list(swiftlet_kv_store store, uint64_t cursor, void *buffer, size_t capacity, uint32_t *count,
                          uint64_t *next_cursor);

/* Says the run is done with `store` (BADF for a handle kv_open never gave). Optional: a handle holds nothing. */
SWIFTLET_KV_IMPORT("close")
uint32_t swiftlet_kv_close(swiftlet_kv_store store);

#undef SWIFTLET_KV_IMPORT

#ifdef __cplusplus
}
#endif

#endif
