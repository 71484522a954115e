/* cmtd-secrets.h: cmatokend's credentials in the keyring, through libsecret */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Every secret is one keyring item of the schema "io.github.cmatoken.Credential"
 * with attributes: kind ("cloud-account" or "server"), object (the object id)
 * and slot (an opaque string chosen by the caller: a replaced secret is stored
 * under a new slot before the old slot is cleared, so a crash never loses both).
 * Items also carry
 * "stored" (microseconds since the epoch) and attributes that describe the
 * object (none of them secret): a cloud account's "site" and "email", a
 * server's "product", "url", "auth" and "user". With them, accounts and
 * servers can be rebuilt from the keyring when the state file is lost.
 * Labels are readable, e.g. "cmatoken: Jira personal access token for https://jira.example.com".
 *
 * All calls are async (no _sync call ever runs on the main loop) and never
 * prompt. Errors in CMT_ERROR: KEYRING_LOCKED (the collection is locked),
 * KEYRING_UNAVAILABLE (no Secret Service on the bus), NOT_FOUND (lookup of a
 * missing item), FAILED (anything else). Messages never contain a secret.
 */

typedef enum {
  CMTD_SECRET_CLOUD_ACCOUNT,
  CMTD_SECRET_SERVER,
} CmtdSecretKind;

typedef enum {
  CMTD_KEYRING_UNKNOWN,
  CMTD_KEYRING_UNLOCKED,
  CMTD_KEYRING_LOCKED,
  CMTD_KEYRING_UNAVAILABLE,
} CmtdKeyringState;

/* One stored item, as listed by cmtd_secrets_list_async(). */
typedef struct {
  CmtdSecretKind  kind;
  char           *object_id;
  char           *slot;
  GVariant       *attributes;  /* a{ss}: all of the item's attributes */
} CmtdSecretRef;

void              cmtd_secret_ref_free             (CmtdSecretRef        *ref);
/* One of the item's attributes, or NULL. */
const char       *cmtd_secret_ref_get_attribute    (const CmtdSecretRef  *ref,
                                                    const char           *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CmtdSecretRef, cmtd_secret_ref_free)

const char       *cmtd_keyring_state_to_string     (CmtdKeyringState      state);

void              cmtd_secrets_store_async         (CmtdSecretKind        kind,
                                                    const char           *object_id,
                                                    const char           *slot,
                                                    const char           *label,
                                                    const char *const    *describe,
                                                    const char           *secret,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean          cmtd_secrets_store_finish        (GAsyncResult         *result,
                                                    GError              **error);

/* Returns the secret; free it with cmtd_atlassian_secret_free() (wipes it). */
void              cmtd_secrets_lookup_async        (CmtdSecretKind        kind,
                                                    const char           *object_id,
                                                    const char           *slot,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
char             *cmtd_secrets_lookup_finish       (GAsyncResult         *result,
                                                    GError              **error);

/* Clears one slot, or every slot of the object when @slot is NULL.
 * Clearing nothing is not an error. */
void              cmtd_secrets_clear_async         (CmtdSecretKind        kind,
                                                    const char           *object_id,
                                                    const char           *slot,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean          cmtd_secrets_clear_finish        (GAsyncResult         *result,
                                                    GError              **error);

/* Every cmatoken item in the keyring (for reconciling orphans at start).
 * Returns a GPtrArray of CmtdSecretRef with a free func. Works on a locked
 * collection too (attributes are readable while locked). */
void              cmtd_secrets_list_async          (GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GPtrArray        *cmtd_secrets_list_finish         (GAsyncResult         *result,
                                                    GError              **error);

/* The state of the default collection, without prompting. */
void              cmtd_secrets_get_state_async     (GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
CmtdKeyringState  cmtd_secrets_get_state_finish    (GAsyncResult         *result,
                                                    GError              **error);

/* Forgets the cached SecretService proxy (after the keyring went away) so the
 * next call connects again. */
void              cmtd_secrets_reset               (void);

G_END_DECLS
