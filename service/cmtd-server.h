/* cmtd-server.h: one Jira or Confluence Server / Data Center instance and its credential, on the bus */
#pragma once

#include <gio/gio.h>

#include "cmtd-daemon.h"
#include "cmtd-util.h"

G_BEGIN_DECLS

#define CMTD_TYPE_SERVER (cmtd_server_get_type ())
G_DECLARE_FINAL_TYPE (CmtdServer, cmtd_server, CMTD, SERVER, GObject)

CmtdServer         *cmtd_server_new                    (CmtdDaemon        *daemon,
                                                         const char        *id,
                                                         const char        *product,
                                                         const char        *base_url,
                                                         const char        *auth_kind,
                                                         const char        *username,
                                                         gint64             secret_expires_at,
                                                         const char        *slot);
CmtdServer   *cmtd_server_new_from_key_file (CmtdDaemon       *daemon,
                                                         GKeyFile          *key_file,
                                                         const char        *group,
                                                         const char        *id,
                                                         GError           **error);
/* Writes the account's group into the daemon's key file. */
void                cmtd_server_save             (CmtdServer  *self);
/* Drops the account's group from the daemon's key file. */
void                cmtd_server_unsave           (CmtdServer  *self);

const char         *cmtd_server_get_id           (CmtdServer  *self);
const char         *cmtd_server_get_path         (CmtdServer  *self);
const char         *cmtd_server_get_product      (CmtdServer  *self);
const char         *cmtd_server_get_base_url     (CmtdServer  *self);
const char         *cmtd_server_get_auth_kind    (CmtdServer  *self);
const char         *cmtd_server_get_username     (CmtdServer  *self);
GDBusObjectSkeleton *cmtd_server_get_object      (CmtdServer  *self);
gboolean            cmtd_server_is_removed       (CmtdServer  *self);

/* The readable label of its keyring item. */
char               *cmtd_server_dup_secret_label (CmtdServer *self,
                                                  const char *auth_kind,
                                                  const char *username);
/* The keyring item's describing attributes, as key, value, …, NULL. */
GStrv               cmtd_server_dup_secret_description (CmtdServer *self,
                                                        const char *auth_kind,
                                                        const char *username);
/* Records (in memory; call _save) the outcome of a check of the stored credential (display_name on success). */
void                cmtd_server_apply_check      (CmtdServer  *self,
                                                         const char        *display_name,
                                                         const GError      *error);
/* Recomputes Status and AttentionNeeded (time or settings changed). */
void                cmtd_server_refresh          (CmtdServer  *self);

const char         *cmtd_server_get_slot (CmtdServer *self);
/* The stored personal access token or password; free it with cmtd_atlassian_secret_free().
 * @slot: NULL for the current one; a renewal keeps the slot it started with. */
void                cmtd_server_lookup_secret_async  (CmtdServer *self,
                                                         const char       *slot,
                                                         GCancellable      *cancellable,
                                                         GAsyncReadyCallback callback,
                                                         gpointer           user_data);
char               *cmtd_server_lookup_secret_finish (CmtdServer *self,
                                                         GAsyncResult      *result,
                                                         GError           **error);

/* Checks the stored credential against the server; with @record, records
 * the outcome (persisted). Fails with the check's error. */
void                cmtd_server_check_async      (CmtdServer  *self,
                                                  gboolean           record,
                                                         GCancellable      *cancellable,
                                                         GAsyncReadyCallback callback,
                                                         gpointer           user_data);
gboolean            cmtd_server_check_finish     (CmtdServer  *self,
                                                         GAsyncResult      *result,
                                                         GError           **error);

G_END_DECLS
