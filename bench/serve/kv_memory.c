// The kv functions of include/swiftlet/kv.h over a table in the program's own memory, for the benchmark's peers that
// have no Swiftlet host: the demo built natively, and built for Wasmtime (linked into the module, the functions are
// defined rather than imported). One store ("my-container"), a fixed number of keys; list is not needed by the demo.
#include <stdlib.h>
#include <string.h>

#include <swiftlet/kv.h>

// Beyond kv.h's errnos (WASI preview1's values): a full table, and list, which the demo does not use.
enum { ERRNO_NOSPC = 51, ERRNO_NOSYS = 52, MAXIMUM_KEYS = 64 };

struct entry {
    char *key, *value;
    size_t key_length, value_length;
};
static struct entry entries[MAXIMUM_KEYS];
static const char store_name[] = "my-container";

static struct entry *find(const void *key, size_t key_length) {
    for (int index = 0; index < MAXIMUM_KEYS; index++)
        if (entries[index].key && entries[index].key_length == key_length
            && memcmp(entries[index].key, key, key_length) == 0)
            return &entries[index];
    return NULL;
}

uint32_t swiftlet_kv_open(const char *name, size_t name_length, swiftlet_kv_store *store) {
    if (name_length != strlen(store_name) || memcmp(name, store_name, name_length) != 0)
        return SWIFTLET_KV_ERRNO_NOTCAPABLE;
    *store = 1;
    return SWIFTLET_KV_ERRNO_SUCCESS;
}

uint32_t swiftlet_kv_get(swiftlet_kv_store store, const void *key, size_t key_length, void *value,
                         size_t value_capacity, size_t *value_length) {
    if (store != 1) return SWIFTLET_KV_ERRNO_BADF;
    struct entry *entry = find(key, key_length);
    if (!entry) return SWIFTLET_KV_ERRNO_NOENT;
    *value_length = entry->value_length;
    if (entry->value_length > value_capacity) return SWIFTLET_KV_ERRNO_RANGE;
    memcpy(value, entry->value, entry->value_length);
    return SWIFTLET_KV_ERRNO_SUCCESS;
}

uint32_t swiftlet_kv_set(swiftlet_kv_store store, const void *key, size_t key_length, const void *value,
                         size_t value_length) {
    if (store != 1) return SWIFTLET_KV_ERRNO_BADF;
    struct entry *entry = find(key, key_length);
    for (int index = 0; !entry && index < MAXIMUM_KEYS; index++)
        if (!entries[index].key) {
            entry = &entries[index];
            entry->key = malloc(key_length);
            memcpy(entry->key, key, key_length);
            entry->key_length = key_length;
        }
    if (!entry) return ERRNO_NOSPC;
    free(entry->value);
    entry->value = malloc(value_length ? value_length : 1);
    memcpy(entry->value, value, value_length);
    entry->value_length = value_length;
    return SWIFTLET_KV_ERRNO_SUCCESS;
}

uint32_t swiftlet_kv_delete(swiftlet_kv_store store, const void *key, size_t key_length) {
    if (store != 1) return SWIFTLET_KV_ERRNO_BADF;
    struct entry *entry = find(key, key_length);
    if (!entry) return SWIFTLET_KV_ERRNO_NOENT;
    free(entry->key);
    free(entry->value);
    memset(entry, 0, sizeof *entry);
    return SWIFTLET_KV_ERRNO_SUCCESS;
}

uint32_t swiftlet_kv_exists(swiftlet_kv_store store, const void *key, size_t key_length, uint32_t *exists) {
    if (store != 1) return SWIFTLET_KV_ERRNO_BADF;
    *exists = find(key, key_length) != NULL;
    return SWIFTLET_KV_ERRNO_SUCCESS;
}

uint32_t swiftlet_kv_list(swiftlet_kv_store store, uint64_t cursor, void *buffer, size_t capacity, uint32_t *count,
                          uint64_t *next_cursor) {
    return store != 1 ? SWIFTLET_KV_ERRNO_BADF : ERRNO_NOSYS;
}

uint32_t swiftlet_kv_close(swiftlet_kv_store store) { return store != 1 ? SWIFTLET_KV_ERRNO_BADF : SWIFTLET_KV_ERRNO_SUCCESS; }
