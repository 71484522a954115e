/* cmtd-daemon.h: cmatokend's hub: the bus name, the object tree, settings, keyring state */
#pragma once

#include <gio/gio.h>

#include "cmt-names.h"
#include "cmtd-atlassian.h"
#include "cmtd-clock.h"
#include "cmtd-history.h"
#include "cmtd-notifier.h"
#include "cmtd-secrets.h"
#include "cmtd-store.h"

G_BEGIN_DECLS

/* How many renewals run at once; the rest wait their turn. */
#define CMTD_MAX_PARALLEL_RENEWALS 8

/* Automatic renewal retries a transient failure after 1, 2, 4 … minutes,
 * at most an hour apart. $CMATOKEN_BACKOFF_BASE_SECONDS (tests only)
 * replaces the first minute. */
#define CMTD_BACKOFF_BASE_SECONDS 60
#define CMTD_BACKOFF_MAX_SECONDS  3600

#define CMTD_TYPE_DAEMON (cmtd_daemon_get_type ())
G_DECLARE_FINAL_TYPE (CmtdDaemon, cmtd_daemon, CMTD, DAEMON, GObject)

typedef struct _CmtdCloudAccount CmtdCloudAccount;
typedef struct _CmtdServer CmtdServer;
typedef struct _CmtdConnection CmtdConnection;

CmtdDaemon       *cmtd_daemon_new                   (const char       *state_path);
/* Reads the state file and builds the objects; FALSE (and nothing touched)
 * when the file cannot be parsed. */
gboolean          cmtd_daemon_load                  (CmtdDaemon       *self,
                                                     GError          **error);
/* Owns the bus name; "finished" is emitted when the daemon should exit. */
void              cmtd_daemon_start                 (CmtdDaemon       *self,
                                                     gboolean          replace);
/* Cancels what is running, waits for it and for the last write, then
 * emits "finished". */
void              cmtd_daemon_shutdown              (CmtdDaemon       *self);
int               cmtd_daemon_get_exit_code         (CmtdDaemon       *self);

CmtdStore        *cmtd_daemon_get_store             (CmtdDaemon       *self);
/* NULL until the notifier has started. */
CmtdNotifier     *cmtd_daemon_get_notifier          (CmtdDaemon       *self);
/* What happened, for audits (Manager1.GetHistory). */
CmtdHistory      *cmtd_daemon_get_history           (CmtdDaemon       *self);
CmtdClock        *cmtd_daemon_get_clock             (CmtdDaemon       *self);
CmtdAtlassian    *cmtd_daemon_get_atlassian         (CmtdDaemon       *self);
GCancellable     *cmtd_daemon_get_cancellable       (CmtdDaemon       *self);
gint64            cmtd_daemon_now                   (CmtdDaemon       *self);
gint64            cmtd_daemon_get_lifetime          (CmtdDaemon       *self);
gint64            cmtd_daemon_get_warn_before       (CmtdDaemon       *self);
gint64            cmtd_daemon_get_credential_warn_before (CmtdDaemon *self);
gint64            cmtd_daemon_get_auto_renew_before (CmtdDaemon     *self);
gint64            cmtd_daemon_get_backoff_base      (CmtdDaemon       *self);
/* Automatic renewals may start: this instance owns the bus name, is not
 * shutting down, and the keyring is not known to be locked or missing. */
gboolean          cmtd_daemon_may_auto_renew        (CmtdDaemon       *self);
CmtdKeyringState  cmtd_daemon_get_keyring_state     (CmtdDaemon       *self);
guint             cmtd_daemon_get_stray_keyring_items (CmtdDaemon     *self);

/* Async work in progress: shutdown waits until every hold is released. */
void              cmtd_daemon_hold                  (CmtdDaemon       *self);
void              cmtd_daemon_release               (CmtdDaemon       *self);

/* Persists the key file as it is now; see cmtd_store_save_async(). */
void              cmtd_daemon_save_async            (CmtdDaemon       *self,
                                                     GAsyncReadyCallback callback,
                                                     gpointer          user_data);
gboolean          cmtd_daemon_save_finish           (CmtdDaemon       *self,
                                                     GAsyncResult     *result,
                                                     GError          **error);

/* The keyring answered (error NULL) or failed: keeps KeyringState right. */
void              cmtd_daemon_keyring_result        (CmtdDaemon       *self,
                                                     const GError     *error);
/* A slot that is stored but not yet (or no longer) in the key file, or
 * that a renewal in flight uses: reconciliation must not clear it, nor a
 * replacement. Counted: each protect needs its unprotect. */
void              cmtd_daemon_protect_slot          (CmtdDaemon       *self,
                                                     const char       *slot);
void              cmtd_daemon_unprotect_slot        (CmtdDaemon       *self,
                                                     const char       *slot);
/* Clears the slot that a replacement superseded (recorded in [Retired]) and
 * forgets the record; while a renewal still uses it, completes at once and
 * clears it when the last one is done. */
void              cmtd_daemon_clear_superseded_slot_async  (CmtdDaemon          *self,
                                                            CmtdSecretKind       kind,
                                                            const char          *object_id,
                                                            const char          *slot,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
gboolean          cmtd_daemon_clear_superseded_slot_finish (CmtdDaemon          *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);

/* Whether the service should start at login: the preference is on and
 * there is a connection to watch. */
gboolean          cmtd_daemon_wants_background_watch (CmtdDaemon     *self);

/* A fresh id, unused by any object or group of the key file. */
char             *cmtd_daemon_new_id                (CmtdDaemon       *self);

/* Registry. Lookups by object path skip objects being removed. */
void              cmtd_daemon_add_cloud_account     (CmtdDaemon       *self,
                                                     CmtdCloudAccount *account);
void              cmtd_daemon_add_server            (CmtdDaemon       *self,
                                                     CmtdServer       *server);
void              cmtd_daemon_add_connection        (CmtdDaemon       *self,
                                                     CmtdConnection   *connection);
void              cmtd_daemon_remove_cloud_account  (CmtdDaemon       *self,
                                                     CmtdCloudAccount *account);
void              cmtd_daemon_remove_server         (CmtdDaemon       *self,
                                                     CmtdServer       *server);
void              cmtd_daemon_remove_connection     (CmtdDaemon       *self,
                                                     CmtdConnection   *connection);
CmtdCloudAccount *cmtd_daemon_find_cloud_account    (CmtdDaemon       *self,
                                                     const char       *object_path);
CmtdServer       *cmtd_daemon_find_server           (CmtdDaemon       *self,
                                                     const char       *object_path);
CmtdCloudAccount *cmtd_daemon_find_cloud_account_by_email (CmtdDaemon *self,
                                                     const char       *email,
                                                     const char       *site_url);
CmtdServer       *cmtd_daemon_find_server_by_url    (CmtdDaemon       *self,
                                                     const char       *product,
                                                     const char       *base_url);
CmtdConnection   *cmtd_daemon_find_connection_by_site (CmtdDaemon     *self,
                                                     CmtdServer       *server,
                                                     const char       *cloud_site_url);
gboolean          cmtd_daemon_cloud_account_in_use  (CmtdDaemon       *self,
                                                     CmtdCloudAccount *account);
gboolean          cmtd_daemon_server_in_use         (CmtdDaemon       *self,
                                                     CmtdServer       *server);

/* Bounded parallelism: TRUE when @connection may start now; otherwise it is
 * queued and cmtd_connection_renewal_slot_granted() is called later. */
gboolean          cmtd_daemon_acquire_renewal_slot  (CmtdDaemon       *self,
                                                     CmtdConnection   *connection);
void              cmtd_daemon_release_renewal_slot  (CmtdDaemon       *self);
/* Takes a queued connection out of the queue (its renewal was cancelled). */
void              cmtd_daemon_dequeue_renewal       (CmtdDaemon       *self,
                                                     CmtdConnection   *connection);

/* Desktop notifications (nothing happens before the bus name is owned;
 * then every object's current status is announced). */
void              cmtd_daemon_notify_connection     (CmtdDaemon       *self,
                                                     CmtdConnection   *connection,
                                                     CmtdEvent         event);
void              cmtd_daemon_resolve_notification  (CmtdDaemon       *self,
                                                     const char       *object_id);

G_END_DECLS
