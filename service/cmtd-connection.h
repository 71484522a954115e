/* cmtd-connection.h: one server's connection to a cloud site, its container token and its renewal */
#pragma once

#include <gio/gio.h>

#include "cmtd-cloud-account.h"
#include "cmtd-daemon.h"
#include "cmtd-server.h"

G_BEGIN_DECLS

#define CMTD_TYPE_CONNECTION (cmtd_connection_get_type ())
G_DECLARE_FINAL_TYPE (CmtdConnection, cmtd_connection, CMTD, CONNECTION, GObject)

CmtdConnection     *cmtd_connection_new                 (CmtdDaemon       *daemon,
                                                         const char       *id,
                                                         CmtdServer       *server,
                                                         CmtdCloudAccount *account,
                                                         const char       *cloud_site_url,
                                                         gint64            renewed_at);
CmtdConnection     *cmtd_connection_new_from_key_file   (CmtdDaemon       *daemon,
                                                         GKeyFile         *key_file,
                                                         const char       *group,
                                                         const char       *id,
                                                         GError          **error);
void                cmtd_connection_save                (CmtdConnection   *self);
void                cmtd_connection_unsave              (CmtdConnection   *self);

const char         *cmtd_connection_get_id              (CmtdConnection   *self);
const char         *cmtd_connection_get_path            (CmtdConnection   *self);
const char         *cmtd_connection_get_cloud_site_url  (CmtdConnection   *self);
CmtdServer         *cmtd_connection_get_server          (CmtdConnection   *self);
CmtdCloudAccount   *cmtd_connection_get_cloud_account   (CmtdConnection   *self);
/* The account a renewal in flight uses (may differ from the connection's), or NULL. */
CmtdCloudAccount   *cmtd_connection_get_renew_account   (CmtdConnection   *self);
GDBusObjectSkeleton *cmtd_connection_get_object         (CmtdConnection   *self);
gboolean            cmtd_connection_is_removed          (CmtdConnection   *self);
gboolean            cmtd_connection_is_renewing         (CmtdConnection   *self);

/* Recomputes ExpiresAt, Status and AttentionNeeded (time or settings changed). */
void                cmtd_connection_refresh             (CmtdConnection   *self);
/* Called by the daemon when a queued renewal may start. */
void                cmtd_connection_renewal_slot_granted (CmtdConnection  *self);
/* Cancels a renewal in flight (its callers get Cancelled). */
void                cmtd_connection_cancel_renewal      (CmtdConnection   *self);

/* Automatic renewal. The keyring opened: a renewal that met it locked goes
 * again at once. */
void                cmtd_connection_keyring_unlocked    (CmtdConnection   *self);
/* The account's or server's credential may be good again: a renewal that
 * stopped on @code (CloudAuthFailed / ServerAuthFailed) may try again. */
void                cmtd_connection_credential_changed  (CmtdConnection   *self,
                                                         int               code);

G_END_DECLS
