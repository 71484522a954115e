/* cmtd-cloud-account.h: one Atlassian cloud administrator's API token, on the bus */
#pragma once

#include <gio/gio.h>

#include "cmtd-daemon.h"
#include "cmtd-util.h"

G_BEGIN_DECLS

#define CMTD_TYPE_CLOUD_ACCOUNT (cmtd_cloud_account_get_type ())
G_DECLARE_FINAL_TYPE (CmtdCloudAccount, cmtd_cloud_account, CMTD, CLOUD_ACCOUNT, GObject)

CmtdCloudAccount   *cmtd_cloud_account_new              (CmtdDaemon        *daemon,
                                                         const char        *id,
                                                         const char        *email,
                                                         const char        *site_url,
                                                         gint64             token_expires_at,
                                                         const char        *slot);
CmtdCloudAccount   *cmtd_cloud_account_new_from_key_file (CmtdDaemon       *daemon,
                                                         GKeyFile          *key_file,
                                                         const char        *group,
                                                         const char        *id,
                                                         GError           **error);
/* Writes the account's group into the daemon's key file. */
void                cmtd_cloud_account_save             (CmtdCloudAccount  *self);
/* Drops the account's group from the daemon's key file. */
void                cmtd_cloud_account_unsave           (CmtdCloudAccount  *self);

const char         *cmtd_cloud_account_get_id           (CmtdCloudAccount  *self);
const char         *cmtd_cloud_account_get_path         (CmtdCloudAccount  *self);
const char         *cmtd_cloud_account_get_email        (CmtdCloudAccount  *self);
const char         *cmtd_cloud_account_get_site_url     (CmtdCloudAccount  *self);
GDBusObjectSkeleton *cmtd_cloud_account_get_object      (CmtdCloudAccount  *self);
gboolean            cmtd_cloud_account_is_removed       (CmtdCloudAccount  *self);

/* The readable label of its keyring item. */
char               *cmtd_cloud_account_dup_secret_label (CmtdCloudAccount *self);
/* The keyring item's describing attributes, as key, value, …, NULL. */
GStrv               cmtd_cloud_account_dup_secret_description (CmtdCloudAccount *self);
/* TokenScoped: the token passed its last check only through Atlassian's gateway. */
void                cmtd_cloud_account_set_token_scoped (CmtdCloudAccount *self,
                                                         gboolean          scoped);
gboolean            cmtd_cloud_account_get_token_scoped (CmtdCloudAccount *self);
/* Records (in memory; call _save) the outcome of a check of the stored token (display_name on success). */
void                cmtd_cloud_account_apply_check      (CmtdCloudAccount  *self,
                                                         const char        *display_name,
                                                         const GError      *error);
/* Recomputes Status and AttentionNeeded (time or settings changed). */
void                cmtd_cloud_account_refresh          (CmtdCloudAccount  *self);

/* The stored API token; free it with cmtd_atlassian_secret_free(). */
const char         *cmtd_cloud_account_get_slot (CmtdCloudAccount *self);
/* @slot: NULL for the current one; a renewal keeps the slot it started with. */
void                cmtd_cloud_account_lookup_token_async  (CmtdCloudAccount *self,
                                                         const char       *slot,
                                                         GCancellable      *cancellable,
                                                         GAsyncReadyCallback callback,
                                                         gpointer           user_data);
char               *cmtd_cloud_account_lookup_token_finish (CmtdCloudAccount *self,
                                                         GAsyncResult      *result,
                                                         GError           **error);

/* Checks the stored token against the site; with @record, records the
 * outcome (persisted). Fails with the check's error. */
void                cmtd_cloud_account_check_async      (CmtdCloudAccount  *self,
                                                         gboolean           record,
                                                         GCancellable      *cancellable,
                                                         GAsyncReadyCallback callback,
                                                         gpointer           user_data);
gboolean            cmtd_cloud_account_check_finish     (CmtdCloudAccount  *self,
                                                         GAsyncResult      *result,
                                                         GError           **error);

G_END_DECLS
