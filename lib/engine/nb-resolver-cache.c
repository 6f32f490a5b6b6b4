/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The resolver's answer cache (Windows NetBT keeps a remote name cache the
 * same way, CacheTimeout 10 min, PROTOCOL.md §1.4.8): positive answers
 * only, each for the TTL its owner or WINS gave (RFC 1002 §4.2.13),
 * capped. A linear table: it holds at most a few thousand names and is
 * consulted once per query. */

#include "nb-engine-private.h"

struct _NbResolverCache {
  GPtrArray *entries; /* NbCacheEntry* */
  guint size;
  gint64 max_ttl_us;
};

static void
cache_entry_free (gpointer data)
{
  NbCacheEntry *e = data;

  g_array_unref (e->entries);
  g_free (e);
}

NbResolverCache *
_nb_resolver_cache_new (guint size, guint32 max_ttl_s)
{
  NbResolverCache *cache = g_new0 (NbResolverCache, 1);

  cache->entries = g_ptr_array_new_with_free_func (cache_entry_free);
  cache->size = MIN (size, NB_RESOLVER_CACHE_SIZE_MAX);
  cache->max_ttl_us = (gint64) (max_ttl_s != 0 ? max_ttl_s : NB_RESOLVER_CACHE_MAX_TTL_DEFAULT)
                      * G_USEC_PER_SEC;
  return cache;
}

void
_nb_resolver_cache_free (NbResolverCache *cache)
{
  if (cache == NULL)
    return;
  g_ptr_array_unref (cache->entries);
  g_free (cache);
}

static gint
find (NbResolverCache *cache, const NbName *name, gboolean collect)
{
  for (guint i = 0; i < cache->entries->len; i++) {
    const NbCacheEntry *e = g_ptr_array_index (cache->entries, i);

    if (e->collect == collect && nb_name_equal (&e->name, name))
      return (gint) i;
  }
  return -1;
}

/* Drops expired answers; if the table is still full, the one closest to
 * expiry. */
static void
make_room (NbResolverCache *cache, gint64 now_us)
{
  guint victim = 0;

  for (guint i = 0; i < cache->entries->len;) {
    const NbCacheEntry *e = g_ptr_array_index (cache->entries, i);

    if (e->expires_us <= now_us)
      g_ptr_array_remove_index_fast (cache->entries, i);
    else
      i++;
  }
  if (cache->entries->len < cache->size || cache->entries->len == 0)
    return;
  for (guint i = 1; i < cache->entries->len; i++) {
    const NbCacheEntry *a = g_ptr_array_index (cache->entries, i);
    const NbCacheEntry *b = g_ptr_array_index (cache->entries, victim);

    if (a->expires_us < b->expires_us)
      victim = i;
  }
  g_ptr_array_remove_index_fast (cache->entries, victim);
}

void
_nb_resolver_cache_store (NbResolverCache *cache, const NbName *name, gboolean collect,
                          const NbNsAddrEntry *entries, guint n_entries, gboolean group,
                          guint32 ttl, guint32 responder, gint64 now_us)
{
  NbCacheEntry *e;
  gint index;
  gint64 ttl_us = (gint64) ttl * G_USEC_PER_SEC;

  if (cache->size == 0 || n_entries == 0)
    return;
  index = find (cache, name, collect);
  if (index >= 0)
    g_ptr_array_remove_index_fast (cache->entries, (guint) index);
  make_room (cache, now_us);
  e = g_new0 (NbCacheEntry, 1);
  e->name = *name;
  e->collect = collect;
  e->entries = g_array_sized_new (FALSE, FALSE, sizeof (NbNsAddrEntry), n_entries);
  g_array_append_vals (e->entries, entries, n_entries);
  e->group = group;
  e->responder = responder;
  /* TTL 0 is "infinite" (RFC 1002 §4.2.1.3): the cap decides. */
  e->expires_us = now_us + (ttl == 0 ? cache->max_ttl_us : MIN (ttl_us, cache->max_ttl_us));
  g_ptr_array_add (cache->entries, e);
}

const NbCacheEntry *
_nb_resolver_cache_lookup (NbResolverCache *cache, const NbName *name, gboolean collect,
                           gint64 now_us)
{
  gint index = find (cache, name, collect);
  const NbCacheEntry *e;

  if (index < 0)
    return NULL;
  e = g_ptr_array_index (cache->entries, (guint) index);
  if (e->expires_us <= now_us) {
    g_ptr_array_remove_index_fast (cache->entries, (guint) index);
    return NULL;
  }
  return e;
}

guint
_nb_resolver_cache_count (NbResolverCache *cache, gint64 now_us)
{
  guint n = 0;

  for (guint i = 0; i < cache->entries->len; i++)
    n += ((const NbCacheEntry *) g_ptr_array_index (cache->entries, i))->expires_us > now_us;
  return n;
}

void
_nb_resolver_cache_forget (NbResolverCache *cache, const NbName *name)
{
  if (name == NULL) {
    g_ptr_array_set_size (cache->entries, 0);
    return;
  }
  for (guint i = 0; i < cache->entries->len;) {
    const NbCacheEntry *e = g_ptr_array_index (cache->entries, i);

    if (nb_name_equal (&e->name, name))
      g_ptr_array_remove_index_fast (cache->entries, i);
    else
      i++;
  }
}
