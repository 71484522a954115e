/* cmtd-connection.c: one server's connection to a cloud site, its container token and its renewal */
#include <glib/gi18n.h>

#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-url.h"
#include "cmtd-announce.h"
#include "cmtd-connection.h"
#include "cmtd-label.h"
#include "cmtd-secrets.h"
#include "cmtd-store.h"
#include "cmtd-util.h"

typedef enum {
  RENEW_IDLE,
  RENEW_QUEUED,   /* waiting for one of the daemon's renewal slots */
  RENEW_RUNNING,
} RenewState;

struct _CmtdConnection
{
  GObject              parent_instance;

  CmtdDaemon          *daemon; /* owns us */
  char                *id;
  char                *path;
  CmtdServer          *server;
  CmtdCloudAccount    *account;
  /* The CMT_ERROR code of the last failed renewal, -1 after a success. */
  int                  last_error_code;
  gboolean             removed;

  CmtObjectSkeleton   *object;
  CmtConnection       *iface;
  CmtdClockWatch      *watch;

  RenewState           renew_state;
  GCancellable        *renew_cancellable;
  GPtrArray           *renew_waiters;   /* GDBusMethodInvocation, all get the one result */
  CmtdCloudAccount    *renew_account;
  /* The credentials as they were when the renewal started: a replacement
   * meanwhile neither changes what it sends nor is judged by its outcome. */
  char                *renew_account_slot;
  char                *renew_server_slot;
  char                *renew_auth_kind;
  char                *renew_username;
  char                *auth_token;      /* the 5-minute token: wiped, never stored */
  gboolean             renew_automatic; /* the renewal in flight was started by the clock */

  /* Automatic renewal. In memory only: after a restart each connection is
   * simply evaluated again. */
  guint                auto_failures;     /* transient failures in a row */
  gint64               auto_retry_at;     /* the next attempt after one; 0: none */
  gboolean             auto_blocked;      /* failed in a way only the admin can fix */
  gboolean             auto_keyring_wait; /* met a locked or missing keyring */
};

G_DEFINE_FINAL_TYPE (CmtdConnection, cmtd_connection, G_TYPE_OBJECT)

enum {
  STATUS_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static char *
group_name (CmtdConnection *self)
{
  return g_strdup_printf ("%s %s", CMTD_STORE_GROUP_CONNECTION, self->id);
}

/* ---- history ---- */

typedef struct {
  CmtdHistory *history;
  char        *object;
  char        *kind;
  char        *result;
  char        *error;
  char        *account;
  char        *subject;
} Record;

static void
record_free (Record *r)
{
  g_object_unref (r->history);
  g_free (r->object);
  g_free (r->kind);
  g_free (r->result);
  g_free (r->error);
  g_free (r->account);
  g_free (r->subject);
  g_free (r);
}

static void
record_with_caller (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Record *r = user_data;
  g_autofree char *caller = cmtd_caller_name_finish (result);

  cmtd_history_record (r->history, r->object, r->kind, r->result, r->error,
                       caller != NULL ? caller : "", r->account, r->subject);
  record_free (r);
}

/* Records what happened to this connection; the caller is the process
 * behind @invocation, or the service itself (NULL). @error: NULL for "ok". */
static void
record (CmtdConnection        *self,
        GDBusMethodInvocation *invocation,
        const char            *kind,
        CmtdCloudAccount      *account,
        const GError          *error)
{
  Record *r = g_new0 (Record, 1);

  r->history = g_object_ref (cmtd_daemon_get_history (self->daemon));
  r->object = g_strdup (self->path);
  r->kind = g_strdup (kind);
  r->result = g_strdup (error == NULL ? "ok"
                        : g_error_matches (error, CMT_ERROR, CMT_ERROR_CANCELLED) ? "cancelled"
                        : "failed");
  r->error = error != NULL ? g_dbus_error_encode_gerror (error) : NULL;
  r->account = g_strdup (account != NULL ? cmtd_cloud_account_get_email (account) : NULL);
  r->subject = g_strdup_printf ("%s → %s", cmtd_server_get_base_url (self->server),
                                cmt_connection_get_cloud_site_url (self->iface));
  if (invocation != NULL)
    {
      cmtd_caller_name_async (invocation, record_with_caller, r);
      return;
    }
  cmtd_history_record (r->history, r->object, r->kind, r->result, r->error, "cmatokend",
                       r->account, r->subject);
  record_free (r);
}

static void renew_start (CmtdConnection        *self,
                         CmtdCloudAccount      *account,
                         GDBusMethodInvocation *invocation,
                         gboolean               automatic);

/* ---- automatic renewal: when ---- */

/*
 * An auto-renewing connection's next attempt shares the one clock entry
 * with its next status change: the earlier of the two is scheduled.
 * Returns 0 when no attempt is due at all.
 */
static gint64
auto_renew_at (CmtdConnection *self,
               gint64          renewed_at)
{
  gint64 lifetime = cmtd_daemon_get_lifetime (self->daemon);

  if (!cmt_connection_get_auto_renew (self->iface) || self->removed || self->auto_blocked ||
      self->renew_state != RENEW_IDLE || !cmtd_daemon_may_auto_renew (self->daemon))
    return 0;
  if (self->auto_retry_at > 0)
    return self->auto_retry_at;
  /* Never renewed (or not known when): at once. */
  if (renewed_at <= 0)
    return 1;
  /* Not before half a lifetime has passed: with a lifetime set shorter than
   * the lead, every renewal would otherwise be due again at once. */
  return MAX (renewed_at + lifetime - cmtd_daemon_get_auto_renew_before (self->daemon),
              renewed_at + lifetime / 2);
}

static void
auto_reset (CmtdConnection *self)
{
  self->auto_failures = 0;
  self->auto_retry_at = 0;
  self->auto_blocked = FALSE;
  self->auto_keyring_wait = FALSE;
}

/* After a transient failure: 1, 2, 4 … times the base, at most an hour. */
static gint64
auto_backoff (CmtdConnection *self)
{
  gint64 base = cmtd_daemon_get_backoff_base (self->daemon);
  gint64 delay = base;

  self->auto_failures++;
  for (guint i = 1; i < self->auto_failures && delay < CMTD_BACKOFF_MAX_SECONDS; i++)
    delay *= 2;
  delay = MIN (delay, MAX (CMTD_BACKOFF_MAX_SECONDS, base));
  self->auto_retry_at = cmtd_daemon_now (self->daemon) + delay;
  return delay;
}

/* ---- status ---- */

static void
on_clock (gpointer data)
{
  CmtdConnection *self = CMTD_CONNECTION (data);
  gint64 due;

  cmtd_connection_refresh (self);
  due = auto_renew_at (self, cmt_connection_get_renewed_at (self->iface));
  if (due > 0 && due <= cmtd_daemon_now (self->daemon))
    {
      g_message ("Connection %s: renewing automatically%s", self->id,
                 self->auto_failures > 0 ? " (trying again)" : "");
      self->auto_retry_at = 0;
      /* With the consent recorded by SetAutoRenew. */
      renew_start (self, self->account, NULL, TRUE);
      cmtd_connection_refresh (self);
    }
}

/* A credential this connection renews with that is rejected, expired or
 * expiring: the connection cannot be renewed (or soon cannot), which the
 * admin must see on the connection itself, not only on the credential. */
static gboolean
credentials_need_attention (CmtdConnection *self)
{
  CmtCloudAccount *account = self->account != NULL
    ? cmt_object_peek_cloud_account (CMT_OBJECT (cmtd_cloud_account_get_object (self->account))) : NULL;
  CmtServer *server = self->server != NULL
    ? cmt_object_peek_server (CMT_OBJECT (cmtd_server_get_object (self->server))) : NULL;

  return (account != NULL &&
          cmtd_status_needs_attention (cmt_status_from_string (cmt_cloud_account_get_status (account)))) ||
         (server != NULL && cmtd_status_needs_attention (cmt_status_from_string (cmt_server_get_status (server))));
}

void
cmtd_connection_refresh (CmtdConnection *self)
{
  gint64 now = cmtd_daemon_now (self->daemon);
  gint64 warn = cmtd_daemon_get_warn_before (self->daemon);
  gint64 renewed_at = cmt_connection_get_renewed_at (self->iface);
  gint64 expires_at = renewed_at > 0 ? renewed_at + cmtd_daemon_get_lifetime (self->daemon) : 0;
  gint64 old_expires_at = cmt_connection_get_expires_at (self->iface);
  CmtStatus old_status = cmt_status_from_string (cmt_connection_get_status (self->iface));
  gboolean old_attention = cmt_connection_get_attention_needed (self->iface);
  CmtStatus status = cmt_expiry_status (expires_at, warn, now);
  gint64 next, auto_at;
  gboolean attention;

  if (self->removed)
    {
      cmtd_clock_cancel (cmtd_daemon_get_clock (self->daemon), &self->watch);
      return;
    }

  attention = status == CMT_STATUS_EXPIRING || status == CMT_STATUS_EXPIRED ||
              (self->last_error_code >= 0 &&
               cmtd_error_needs_user (&(GError) { CMT_ERROR, self->last_error_code, NULL })) ||
              credentials_need_attention (self);

  cmt_connection_set_last_error_name (self->iface, self->last_error_code >= 0 ?
                                      cmt_error_code_to_dbus_name (self->last_error_code) : "");
  cmt_connection_set_expires_at (self->iface, expires_at);
  cmt_connection_set_status (self->iface, cmt_status_to_string (status));
  cmt_connection_set_attention_needed (self->iface, attention);
  next = cmt_expiry_next_change (expires_at, warn, now);
  auto_at = auto_renew_at (self, renewed_at);
  if (auto_at > 0 && (next <= 0 || auto_at < next))
    next = auto_at;
  cmtd_clock_schedule (cmtd_daemon_get_clock (self->daemon), &self->watch, next, on_clock, self);

  /* A new expiry date is news too: an announcement shows the date. */
  if (status != old_status || attention != old_attention || expires_at != old_expires_at)
    {
      g_debug ("Connection %s: %s → %s%s", self->id,
               cmt_status_to_string (old_status), cmt_status_to_string (status),
               attention ? " (attention needed)" : "");
      g_signal_emit (self, signals[STATUS_CHANGED], 0);
    }
}

/* ---- key file ---- */

void
cmtd_connection_save (CmtdConnection *self)
{
  GKeyFile *kf = cmtd_store_get_key_file (cmtd_daemon_get_store (self->daemon));
  g_autofree char *group = group_name (self);
  const char *code_name = self->last_error_code >= 0 ? cmt_error_code_to_name (self->last_error_code) : NULL;

  if (self->removed)
    return;

  g_key_file_remove_group (kf, group, NULL);
  g_key_file_set_string (kf, group, "server", cmtd_server_get_id (self->server));
  g_key_file_set_string (kf, group, "cloud_account", cmtd_cloud_account_get_id (self->account));
  g_key_file_set_string (kf, group, "cloud_site_url", cmt_connection_get_cloud_site_url (self->iface));
  g_key_file_set_int64 (kf, group, "renewed_at", cmt_connection_get_renewed_at (self->iface));
  g_key_file_set_string (kf, group, "last_error", cmt_connection_get_last_error (self->iface));
  g_key_file_set_string (kf, group, "last_error_code", code_name != NULL ? code_name : "");
  g_key_file_set_boolean (kf, group, "auto_renew", cmt_connection_get_auto_renew (self->iface));
  g_key_file_set_int64 (kf, group, "auto_renew_consent_at", cmt_connection_get_auto_renew_consent_at (self->iface));
  cmtd_label_save (kf, group, cmt_connection_get_label (self->iface));
}

void
cmtd_connection_unsave (CmtdConnection *self)
{
  GKeyFile *kf = cmtd_store_get_key_file (cmtd_daemon_get_store (self->daemon));
  g_autofree char *group = group_name (self);

  g_key_file_remove_group (kf, group, NULL);
}

/* ---- renewal ---- */

static void
renew_waiters_reply (CmtdConnection *self,
                     GPtrArray      *waiters,
                     const GError   *error)
{
  /* One PropertiesChanged before the replies, so a caller sees the new state. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->iface));
  for (guint i = 0; i < waiters->len; i++)
    {
      GDBusMethodInvocation *invocation = g_object_ref (g_ptr_array_index (waiters, i));
      if (error != NULL)
        g_dbus_method_invocation_return_gerror (invocation, error);
      else
        cmt_connection_complete_renew (self->iface, invocation,
                                       cmt_connection_get_expires_at (self->iface));
    }
}

typedef struct {
  CmtdConnection *self;
  GPtrArray      *waiters;
  GError         *error;
} RenewReply;

static void
renew_saved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RenewReply *reply = user_data;
  g_autoptr(GError) error = NULL;

  if (!cmtd_daemon_save_finish (reply->self->daemon, result, &error) && reply->error == NULL)
    reply->error = g_steal_pointer (&error);
  renew_waiters_reply (reply->self, reply->waiters, reply->error);

  cmtd_daemon_release (reply->self->daemon);
  g_ptr_array_unref (reply->waiters);
  g_clear_error (&reply->error);
  g_object_unref (reply->self);
  g_free (reply);
}

/* Ends the renewal in flight with @error (NULL: success) and answers every caller. */
static void
renew_finish (CmtdConnection *self,
              GError         *error)
{
  g_autoptr(GError) owned_error = error;
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->renew_waiters);
  g_autoptr(CmtdCloudAccount) renew_account = g_steal_pointer (&self->renew_account);
  gboolean automatic = self->renew_automatic;
  gboolean stopped = FALSE;
  gboolean superseded = FALSE;
  int superseded_code;
  g_autofree char *account_slot = NULL;
  g_autofree char *server_slot = NULL;
  RenewReply *reply;

  g_assert (self->renew_state != RENEW_IDLE);
  self->renew_automatic = FALSE;

  if (self->renew_state == RENEW_RUNNING)
    cmtd_daemon_release_renewal_slot (self->daemon);
  else
    cmtd_daemon_dequeue_renewal (self->daemon, self);
  self->renew_state = RENEW_IDLE;
  g_clear_object (&self->renew_cancellable);
  cmtd_atlassian_secret_free (g_steal_pointer (&self->auth_token));
  account_slot = g_steal_pointer (&self->renew_account_slot);
  server_slot = g_steal_pointer (&self->renew_server_slot);
  g_clear_pointer (&self->renew_auth_kind, g_free);
  g_clear_pointer (&self->renew_username, g_free);
  /* The slots may be cleared now (a replacement waits for this). */
  cmtd_daemon_unprotect_slot (self->daemon, account_slot);
  cmtd_daemon_unprotect_slot (self->daemon, server_slot);

  cmtd_error_to_cmt (&owned_error);
  /* A failure of a credential that was replaced while the renewal ran says
   * nothing about the new one. */
  if (owned_error != NULL &&
      ((owned_error->code == CMT_ERROR_CLOUD_AUTH_FAILED && account_slot != NULL &&
        g_strcmp0 (account_slot, cmtd_cloud_account_get_slot (renew_account)) != 0) ||
       (owned_error->code == CMT_ERROR_SERVER_AUTH_FAILED && server_slot != NULL &&
        g_strcmp0 (server_slot, cmtd_server_get_slot (self->server)) != 0)))
    {
      g_message ("Connection %s: the renewal failed (%s) with a credential that was replaced meanwhile; the new one is not affected",
                 self->id, cmt_error_code_to_name (owned_error->code));
      superseded = TRUE;
      superseded_code = owned_error->code;
      g_clear_error (&owned_error);
      owned_error = g_error_new_literal (CMT_ERROR, superseded_code,
                                         _("The credential this renewal used was replaced while it ran, and the old one was refused. Renew again to use the new one."));
    }
  if (owned_error == NULL)
    {
      g_debug ("Connection %s renewed", self->id);
      if (renew_account != self->account)
        {
          g_set_object (&self->account, renew_account);
          cmt_connection_set_cloud_account (self->iface, cmtd_cloud_account_get_path (renew_account));
        }
      cmt_connection_set_renewed_at (self->iface, cmtd_daemon_now (self->daemon));
      cmt_connection_set_last_error (self->iface, "");
      self->last_error_code = -1;
      auto_reset (self);
      if (automatic)
        g_message ("Connection %s renewed automatically", self->id);
    }
  else if (g_error_matches (owned_error, CMT_ERROR, CMT_ERROR_CANCELLED))
    {
      g_debug ("Connection %s: renewal cancelled", self->id);
      /* Cancelled by the admin: automatic renewal does not start it again
       * at once (at shutdown this no longer matters). */
      if (cmt_connection_get_auto_renew (self->iface))
        auto_backoff (self);
    }
  else if (superseded)
    {
      if (cmt_connection_get_auto_renew (self->iface))
        auto_backoff (self);
    }
  else
    {
      g_debug ("Connection %s: renewal failed: %s", self->id,
               cmt_error_code_to_name (owned_error->code));
      /* A locked or absent keyring is the session's state (the Manager's
       * KeyringState), not this connection's: it is not recorded here. */
      if (!cmtd_error_is_keyring (owned_error))
        {
          cmt_connection_set_last_error (self->iface, owned_error->message);
          self->last_error_code = owned_error->code;
        }
      /* The credential that was refused is now known to be bad. */
      if (g_error_matches (owned_error, CMT_ERROR, CMT_ERROR_CLOUD_AUTH_FAILED))
        {
          cmtd_cloud_account_apply_check (renew_account, NULL, owned_error);
          cmtd_cloud_account_save (renew_account);
        }
      else if (g_error_matches (owned_error, CMT_ERROR, CMT_ERROR_SERVER_AUTH_FAILED))
        {
          cmtd_server_apply_check (self->server, NULL, owned_error);
          cmtd_server_save (self->server);
        }

      /* Automatic renewal: a failure that needs the admin stops it (until a
       * renewal, a new credential or SetAutoRenew); any other is retried
       * with backoff; a locked keyring is waited for. */
      if (cmtd_error_needs_user (owned_error))
        {
          /* (A renewal the admin started shows them the error itself.) */
          stopped = automatic && !self->auto_blocked;
          self->auto_blocked = TRUE;
          if (stopped)
            g_message ("Connection %s: automatic renewal stops until the admin acts (%s)",
                       self->id, cmt_error_code_to_name (owned_error->code));
        }
      else if (cmt_connection_get_auto_renew (self->iface))
        {
          gint64 delay;

          gint64 asked;

          if (cmtd_error_is_keyring (owned_error))
            self->auto_keyring_wait = TRUE;
          delay = auto_backoff (self);
          /* A host that said when to come back (Retry-After) is not asked sooner. */
          asked = MAX (cmtd_atlassian_get_retry_after (cmtd_daemon_get_atlassian (self->daemon), NULL),
                       cmtd_atlassian_get_retry_after (cmtd_daemon_get_atlassian (self->daemon),
                                                       cmtd_server_get_base_url (self->server)));
          if (asked > delay)
            {
              delay = asked;
              self->auto_retry_at = cmtd_daemon_now (self->daemon) + delay;
            }
          g_message ("Connection %s: renewal failed (%s); automatic renewal tries again in %"
                     G_GINT64_FORMAT " s%s", self->id, cmt_error_code_to_name (owned_error->code),
                     delay, self->auto_keyring_wait ? " or when the keyring opens" : "");
        }
    }

  /* Set together: the skeleton sends them in one PropertiesChanged. */
  cmt_connection_set_renewing (self->iface, FALSE);
  cmt_connection_set_renew_step (self->iface, "");
  cmtd_connection_refresh (self);
  cmtd_connection_save (self);

  if (owned_error == NULL && automatic)
    cmtd_daemon_notify_connection (self->daemon, self, CMTD_EVENT_RENEWED);
  else if (owned_error == NULL)
    cmtd_daemon_resolve_notification (self->daemon, self->id);
  else if (stopped)
    cmtd_daemon_notify_connection (self->daemon, self, CMTD_EVENT_RENEW_FAILED);

  record (self, waiters->len > 0 ? g_ptr_array_index (waiters, 0) : NULL,
          automatic ? "auto-renew" : "renew", renew_account, owned_error);

  reply = g_new0 (RenewReply, 1);
  reply->self = g_object_ref (self);
  reply->waiters = g_steal_pointer (&waiters);
  reply->error = g_steal_pointer (&owned_error);
  if (reply->error != NULL && g_error_matches (reply->error, CMT_ERROR, CMT_ERROR_CANCELLED))
    {
      /* Nothing changed on disk: answer now. */
      renew_waiters_reply (self, reply->waiters, reply->error);
      cmtd_daemon_release (self->daemon);
      g_ptr_array_unref (reply->waiters);
      g_clear_error (&reply->error);
      g_object_unref (reply->self);
      g_free (reply);
      return;
    }
  cmtd_daemon_save_async (self->daemon, renew_saved, reply);
}

/* Between steps: the answer may come back after CancelRenew. */
static gboolean
renew_cancelled (CmtdConnection *self)
{
  if (self->renew_cancellable == NULL || !g_cancellable_is_cancelled (self->renew_cancellable))
    return FALSE;
  renew_finish (self, g_error_new_literal (CMT_ERROR, CMT_ERROR_CANCELLED,
                                           _("The renewal was cancelled. Renew again when you are ready.")));
  return TRUE;
}

static void
renew_token_saved (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CmtdConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cmtd_atlassian_save_token_finish (CMTD_ATLASSIAN (source), result, &error))
    {
      renew_finish (self, g_steal_pointer (&error));
      return;
    }
  /* Saved on the server: this is a renewal even if CancelRenew came late. */
  renew_finish (self, NULL);
}

static void
renew_got_server_secret (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(CmtdConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = cmtd_server_lookup_secret_finish (self->server, result, &error);
  if (secret == NULL)
    {
      renew_finish (self, g_steal_pointer (&error));
      return;
    }
  if (renew_cancelled (self))
    {
      cmtd_atlassian_secret_free (secret);
      return;
    }

  g_debug ("Connection %s: saving the token on %s", self->id, cmtd_server_get_base_url (self->server));
  cmtd_atlassian_save_token_async (cmtd_daemon_get_atlassian (self->daemon),
                                   cmtd_server_get_base_url (self->server),
                                   self->renew_auth_kind,
                                   self->renew_username,
                                   secret,
                                   cmt_connection_get_cloud_site_url (self->iface),
                                   self->auth_token,
                                   self->renew_cancellable,
                                   renew_token_saved, g_object_ref (self));
  /* The client keeps its own copies for the request. */
  cmtd_atlassian_secret_free (secret);
  cmtd_atlassian_secret_free (g_steal_pointer (&self->auth_token));
}

static void
renew_got_auth_token (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(CmtdConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  char *auth_token;

  auth_token = cmtd_atlassian_create_auth_token_finish (CMTD_ATLASSIAN (source), result, &error);
  if (auth_token == NULL)
    {
      if (g_error_matches (error, CMT_ERROR, CMT_ERROR_CLOUD_AUTH_FAILED) &&
          cmtd_cloud_account_get_token_scoped (self->renew_account))
        {
          char *message = g_strdup_printf ("%s %s", error->message,
                                           _("This is a scoped API token (the site accepts it only through Atlassian's gateway); the Migration API may need a classic API token, created without scopes at https://id.atlassian.com/manage-profile/security/api-tokens. Replace the token with a classic one."));
          g_free (error->message);
          error->message = message;
        }
      renew_finish (self, g_steal_pointer (&error));
      return;
    }
  self->auth_token = auth_token;
  if (renew_cancelled (self))
    return;

  cmt_connection_set_renew_step (self->iface, "save-token");
  cmtd_server_lookup_secret_async (self->server, self->renew_server_slot, self->renew_cancellable,
                                   renew_got_server_secret, g_object_ref (self));
}

static void
renew_got_api_token (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CmtdConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  char *api_token;

  api_token = cmtd_cloud_account_lookup_token_finish (CMTD_CLOUD_ACCOUNT (source), result, &error);
  if (api_token == NULL)
    {
      renew_finish (self, g_steal_pointer (&error));
      return;
    }
  if (renew_cancelled (self))
    {
      cmtd_atlassian_secret_free (api_token);
      return;
    }

  g_debug ("Connection %s: creating an auth token for %s as account %s", self->id,
           cmt_connection_get_cloud_site_url (self->iface),
           cmtd_cloud_account_get_id (self->renew_account));
  cmtd_atlassian_create_auth_token_async (cmtd_daemon_get_atlassian (self->daemon),
                                          cmt_connection_get_cloud_site_url (self->iface),
                                          cmtd_cloud_account_get_email (self->renew_account),
                                          api_token,
                                          self->renew_cancellable,
                                          renew_got_auth_token, g_object_ref (self));
  cmtd_atlassian_secret_free (api_token);
}

void
cmtd_connection_renewal_slot_granted (CmtdConnection *self)
{
  g_return_if_fail (self->renew_state == RENEW_QUEUED);

  self->renew_state = RENEW_RUNNING;
  g_debug ("Connection %s: renewal starts", self->id);
  self->renew_account_slot = g_strdup (cmtd_cloud_account_get_slot (self->renew_account));
  self->renew_server_slot = g_strdup (cmtd_server_get_slot (self->server));
  self->renew_auth_kind = g_strdup (cmtd_server_get_auth_kind (self->server));
  self->renew_username = g_strdup (cmtd_server_get_username (self->server));
  cmtd_daemon_protect_slot (self->daemon, self->renew_account_slot);
  cmtd_daemon_protect_slot (self->daemon, self->renew_server_slot);
  cmtd_cloud_account_lookup_token_async (self->renew_account, self->renew_account_slot,
                                         self->renew_cancellable,
                                         renew_got_api_token, g_object_ref (self));
}

void
cmtd_connection_cancel_renewal (CmtdConnection *self)
{
  if (self->renew_state == RENEW_IDLE)
    return;
  g_debug ("Connection %s: cancelling the renewal", self->id);
  g_cancellable_cancel (self->renew_cancellable);
  /* A queued renewal has no request to interrupt: end it here. */
  if (self->renew_state == RENEW_QUEUED)
    renew_finish (self, g_error_new_literal (CMT_ERROR, CMT_ERROR_CANCELLED,
                                             _("The renewal was cancelled. Renew again when you are ready.")));
}

/* One renewal at a time per connection, at most CMTD_MAX_PARALLEL_RENEWALS
 * in all: manual and automatic renewals take the same path. */
static void
renew_start (CmtdConnection        *self,
             CmtdCloudAccount      *account,
             GDBusMethodInvocation *invocation,
             gboolean               automatic)
{
  g_return_if_fail (self->renew_state == RENEW_IDLE);

  cmtd_daemon_hold (self->daemon);
  self->renew_account = g_object_ref (account);
  self->renew_cancellable = g_cancellable_new ();
  self->renew_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  if (invocation != NULL)
    g_ptr_array_add (self->renew_waiters, invocation);
  self->renew_automatic = automatic;
  self->renew_state = RENEW_QUEUED;
  cmt_connection_set_renewing (self->iface, TRUE);
  cmt_connection_set_renew_step (self->iface, "create-token");

  if (cmtd_daemon_acquire_renewal_slot (self->daemon, self))
    cmtd_connection_renewal_slot_granted (self);
  else
    g_debug ("Connection %s: waiting for a free renewal slot", self->id);
}

static gboolean
handle_renew (CmtConnection         *iface,
              GDBusMethodInvocation *invocation,
              GVariant              *options,
              CmtdConnection        *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) account_value = NULL;
  CmtdCloudAccount *account = self->account;
  gboolean consent = FALSE;

  g_debug ("Connection %s: Renew", self->id);

  if (!cmtd_option_get_boolean (options, "allow-migrations-data-access", FALSE, &consent, &error))
    goto fail;
  if (!consent)
    {
      g_set_error_literal (&error, CMT_ERROR, CMT_ERROR_CONSENT_REQUIRED,
                           _("Renewing lets Atlassian access migrations data. Allow it (“Allow Atlassian to access migrations data”) and renew again."));
      goto fail;
    }
  if (!cmtd_option_lookup (options, "cloud-account", G_VARIANT_TYPE_OBJECT_PATH, &account_value, &error))
    goto fail;
  if (account_value != NULL)
    {
      const char *path = g_variant_get_string (account_value, NULL);
      account = cmtd_daemon_find_cloud_account (self->daemon, path);
      if (account == NULL)
        {
          g_set_error_literal (&error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                               _("The cloud account does not exist (it may have been removed). Choose one of the stored cloud accounts."));
          goto fail;
        }
    }
  if (self->removed)
    {
      g_set_error_literal (&error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                           _("The connection is being removed."));
      goto fail;
    }

  if (self->renew_state != RENEW_IDLE)
    {
      if (account != self->renew_account)
        {
          g_set_error_literal (&error, CMT_ERROR, CMT_ERROR_BUSY,
                               _("The connection is being renewed with another cloud account. Wait for that renewal to finish, or cancel it."));
          goto fail;
        }
      g_debug ("Connection %s: joining the renewal in flight", self->id);
      g_ptr_array_add (self->renew_waiters, invocation);
      /* The admin asked for it and sees the outcome: no notification. */
      self->renew_automatic = FALSE;
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  renew_start (self, account, invocation, FALSE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;

fail:
  g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_cancel_renew (CmtConnection         *iface,
                     GDBusMethodInvocation *invocation,
                     CmtdConnection        *self)
{
  g_debug ("Connection %s: CancelRenew", self->id);
  cmtd_connection_cancel_renewal (self);
  cmt_connection_complete_cancel_renew (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the other methods: change, save, then answer ---- */

typedef struct {
  CmtdConnection        *self;
  GDBusMethodInvocation *invocation;
  /* What to put back if the write fails. */
  gint64                 old_renewed_at;
  char                  *old_last_error;
  int                    old_last_error_code;
  gboolean               old_auto_renew;
  gint64                 old_consent_at;
  const char            *history_kind;  /* recorded once saved, or NULL */
} Op;

static Op *
op_new (CmtdConnection        *self,
        GDBusMethodInvocation *invocation)
{
  Op *op = g_new0 (Op, 1);

  op->self = g_object_ref (self);
  op->invocation = invocation; /* the handler's reference: a return consumes it */
  op->old_renewed_at = cmt_connection_get_renewed_at (self->iface);
  op->old_last_error = g_strdup (cmt_connection_get_last_error (self->iface));
  op->old_last_error_code = self->last_error_code;
  op->old_auto_renew = cmt_connection_get_auto_renew (self->iface);
  op->old_consent_at = cmt_connection_get_auto_renew_consent_at (self->iface);
  cmtd_daemon_hold (self->daemon);
  return op;
}

static void
op_free (Op *op)
{
  cmtd_daemon_release (op->self->daemon);
  g_clear_object (&op->invocation);
  g_free (op->old_last_error);
  g_object_unref (op->self);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Op, op_free)

static void
op_restore (Op *op)
{
  CmtdConnection *self = op->self;

  cmt_connection_set_renewed_at (self->iface, op->old_renewed_at);
  cmt_connection_set_last_error (self->iface, op->old_last_error);
  self->last_error_code = op->old_last_error_code;
  cmt_connection_set_auto_renew (self->iface, op->old_auto_renew);
  cmt_connection_set_auto_renew_consent_at (self->iface, op->old_consent_at);
  cmtd_connection_refresh (self);
  cmtd_connection_save (self);
}

static void
changed_saved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  g_autoptr(GError) error = NULL;

  if (!cmtd_daemon_save_finish (op->self->daemon, result, &error))
    {
      op_restore (op);
      g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (op->self->iface));
      g_dbus_method_invocation_return_gerror (g_steal_pointer (&op->invocation), error);
      return;
    }
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (op->self->iface));
  if (op->history_kind != NULL)
    record (op->self, op->invocation, op->history_kind, op->self->account, NULL);
  /* Both methods return nothing. */
  g_dbus_method_invocation_return_value (g_steal_pointer (&op->invocation), NULL);
}

static gboolean
refuse_if_busy (CmtdConnection        *self,
                GDBusMethodInvocation *invocation)
{
  if (self->removed)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                                     _("The connection is being removed."));
      return TRUE;
    }
  if (self->renew_state != RENEW_IDLE)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_BUSY,
                                                     _("The connection is being renewed. Wait for the renewal to finish, or cancel it."));
      return TRUE;
    }
  return FALSE;
}

static gboolean
handle_mark_renewed (CmtConnection         *iface,
                     GDBusMethodInvocation *invocation,
                     gint64                 renewed_at,
                     CmtdConnection        *self)
{
  gint64 now = cmtd_daemon_now (self->daemon);
  gint64 lifetime = cmtd_daemon_get_lifetime (self->daemon);
  Op *op;

  g_debug ("Connection %s: MarkRenewed %" G_GINT64_FORMAT, self->id, renewed_at);
  if (renewed_at == 0)
    renewed_at = now;
  if (renewed_at < 0)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                                                     _("The renewal time is before 1970. Give the date and time the token was renewed."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (renewed_at > now + CMTD_FUTURE_SLACK)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                                                     _("The renewal time is in the future. Give the time the token was renewed in the server’s web interface."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (renewed_at <= now - lifetime)
    {
      int days = (int) (lifetime / CMT_SECONDS_PER_DAY);
      g_dbus_method_invocation_return_error (invocation, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                                             g_dngettext (GETTEXT_PACKAGE,
                                                          "A token renewed then would have expired already: it lives %d day. Renew the token now instead.",
                                                          "A token renewed then would have expired already: it lives %d days. Renew the token now instead.",
                                                          days),
                                             days);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (refuse_if_busy (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  op = op_new (self, invocation);
  op->history_kind = "mark-renewed";
  cmt_connection_set_renewed_at (self->iface, MIN (renewed_at, now));
  cmt_connection_set_last_error (self->iface, "");
  self->last_error_code = -1;
  auto_reset (self);
  cmtd_connection_refresh (self);
  cmtd_connection_save (self);
  cmtd_daemon_save_async (self->daemon, changed_saved, op);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_auto_renew (CmtConnection         *iface,
                       GDBusMethodInvocation *invocation,
                       gboolean               enabled,
                       GVariant              *options,
                       CmtdConnection        *self)
{
  g_autoptr(GError) error = NULL;
  gboolean consent = FALSE;
  Op *op;

  g_debug ("Connection %s: SetAutoRenew %s", self->id, enabled ? "on" : "off");
  if (!cmtd_option_get_boolean (options, "allow-migrations-data-access", FALSE, &consent, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (enabled && !consent)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_CONSENT_REQUIRED,
                                                     _("Renewing automatically lets Atlassian access migrations data. Allow it (“Allow Atlassian to access migrations data”) and turn automatic renewal on again."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (self->removed)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                                     _("The connection is being removed."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  op = op_new (self, invocation);
  cmt_connection_set_auto_renew (self->iface, enabled);
  cmt_connection_set_auto_renew_consent_at (self->iface, enabled ? cmtd_daemon_now (self->daemon) : 0);
  /* Turned on again: a former stop or backoff is forgotten. */
  auto_reset (self);
  cmtd_connection_refresh (self);
  cmtd_connection_save (self);
  cmtd_daemon_save_async (self->daemon, changed_saved, op);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
remove_saved (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  CmtdConnection *self = op->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *subject = NULL;

  if (!cmtd_daemon_save_finish (self->daemon, result, &error))
    {
      self->removed = FALSE;
      cmtd_connection_save (self);
      cmtd_connection_refresh (self);
      g_dbus_method_invocation_return_gerror (g_steal_pointer (&op->invocation), error);
      return;
    }
  g_debug ("Connection %s removed", self->id);
  subject = g_strdup_printf ("%s → %s", cmtd_server_get_base_url (self->server), cmtd_connection_get_cloud_site_url (self));
  cmtd_daemon_remove_connection (self->daemon, self);
  cmtd_announce_and_return (cmtd_daemon_get_notifier (self->daemon), cmtd_daemon_get_history (self->daemon),
                            g_steal_pointer (&op->invocation), NULL, CMTD_CHANGE_REMOVED,
                            CMTD_SUBJECT_CONNECTION, self->path, cmtd_cloud_account_get_email (self->account),
                            subject);
}

static gboolean
handle_remove (CmtConnection         *iface,
               GDBusMethodInvocation *invocation,
               CmtdConnection        *self)
{
  Op *op;

  g_debug ("Connection %s: Remove", self->id);
  if (refuse_if_busy (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  op = op_new (self, invocation);
  cmtd_connection_unsave (self);
  self->removed = TRUE;
  cmtd_clock_cancel (cmtd_daemon_get_clock (self->daemon), &self->watch);
  cmtd_daemon_save_async (self->daemon, remove_saved, op);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- object ---- */

static void
cmtd_connection_dispose (GObject *object)
{
  CmtdConnection *self = CMTD_CONNECTION (object);

  /* Anything in flight holds a reference, so no renewal can be running. */
  g_assert (self->renew_state == RENEW_IDLE);

  if (self->daemon != NULL)
    cmtd_clock_cancel (cmtd_daemon_get_clock (self->daemon), &self->watch);
  if (self->iface != NULL)
    g_signal_handlers_disconnect_by_data (self->iface, self);
  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  g_clear_object (&self->server);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (cmtd_connection_parent_class)->dispose (object);
}

static void
cmtd_connection_finalize (GObject *object)
{
  CmtdConnection *self = CMTD_CONNECTION (object);

  g_free (self->id);
  g_free (self->path);

  G_OBJECT_CLASS (cmtd_connection_parent_class)->finalize (object);
}

static void
cmtd_connection_class_init (CmtdConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cmtd_connection_dispose;
  object_class->finalize = cmtd_connection_finalize;

  /* For the notifier: Status or AttentionNeeded changed. */
  signals[STATUS_CHANGED] = g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
cmtd_connection_init (CmtdConnection *self)
{
  self->last_error_code = -1;
}

static void
save_for_label (gpointer object)
{
  cmtd_connection_save (object);
}

static gboolean
handle_set_label (CmtConnection         *iface,
                  GDBusMethodInvocation *invocation,
                  const char            *label,
                  CmtdConnection        *self)
{
  g_debug ("Connection %s: SetLabel", self->id);
  if (self->removed)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                                     _("The connection is being removed."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  cmtd_label_handle_set (self->daemon, G_DBUS_INTERFACE_SKELETON (iface), invocation, label,
                         save_for_label, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

CmtdConnection *
cmtd_connection_new (CmtdDaemon       *daemon,
                     const char       *id,
                     CmtdServer       *server,
                     CmtdCloudAccount *account,
                     const char       *cloud_site_url,
                     gint64            renewed_at)
{
  CmtdConnection *self = g_object_new (CMTD_TYPE_CONNECTION, NULL);

  self->daemon = daemon;
  self->id = g_strdup (id);
  self->path = g_strdup_printf ("%s/%s", CMT_CONNECTIONS_PATH, id);
  self->server = g_object_ref (server);
  self->account = g_object_ref (account);

  self->object = cmt_object_skeleton_new (self->path);
  self->iface = cmt_connection_skeleton_new ();
  cmt_connection_set_server (self->iface, cmtd_server_get_path (server));
  cmt_connection_set_cloud_account (self->iface, cmtd_cloud_account_get_path (account));
  cmt_connection_set_product (self->iface, cmtd_server_get_product (server));
  cmt_connection_set_cloud_site_url (self->iface, cloud_site_url);
  cmt_connection_set_renewed_at (self->iface, renewed_at);
  cmt_connection_set_status (self->iface, "unknown");
  cmt_connection_set_renew_step (self->iface, "");
  cmt_connection_set_last_error (self->iface, "");
  cmt_object_skeleton_set_connection (self->object, self->iface);

  g_signal_connect (self->iface, "handle-renew", G_CALLBACK (handle_renew), self);
  g_signal_connect (self->iface, "handle-cancel-renew", G_CALLBACK (handle_cancel_renew), self);
  g_signal_connect (self->iface, "handle-mark-renewed", G_CALLBACK (handle_mark_renewed), self);
  g_signal_connect (self->iface, "handle-set-auto-renew", G_CALLBACK (handle_set_auto_renew), self);
  g_signal_connect (self->iface, "handle-remove", G_CALLBACK (handle_remove), self);
  g_signal_connect (self->iface, "handle-set-label", G_CALLBACK (handle_set_label), self);

  cmtd_connection_refresh (self);
  return self;
}

CmtdConnection *
cmtd_connection_new_from_key_file (CmtdDaemon  *daemon,
                                   GKeyFile    *kf,
                                   const char  *group,
                                   const char  *id,
                                   GError     **error)
{
  g_autofree char *server_id = g_key_file_get_string (kf, group, "server", NULL);
  g_autofree char *account_id = g_key_file_get_string (kf, group, "cloud_account", NULL);
  g_autofree char *site_url = g_key_file_get_string (kf, group, "cloud_site_url", NULL);
  g_autofree char *last_error = g_key_file_get_string (kf, group, "last_error", NULL);
  g_autofree char *last_error_code = g_key_file_get_string (kf, group, "last_error_code", NULL);
  g_autofree char *normalized = NULL;
  g_autofree char *server_path = NULL;
  g_autofree char *account_path = NULL;
  gint64 renewed_at = g_key_file_get_int64 (kf, group, "renewed_at", NULL);
  gboolean auto_renew = g_key_file_get_boolean (kf, group, "auto_renew", NULL);
  gint64 consent_at = g_key_file_get_int64 (kf, group, "auto_renew_consent_at", NULL);
  CmtdServer *server;
  CmtdCloudAccount *account;
  CmtdConnection *self;

  if (!cmtd_id_is_valid (server_id) || !cmtd_id_is_valid (account_id))
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT, "no valid server or cloud_account");
      return NULL;
    }
  server_path = g_strdup_printf ("%s/%s", CMT_SERVERS_PATH, server_id);
  account_path = g_strdup_printf ("%s/%s", CMT_CLOUD_ACCOUNTS_PATH, account_id);
  server = cmtd_daemon_find_server (daemon, server_path);
  account = cmtd_daemon_find_cloud_account (daemon, account_path);
  if (server == NULL || account == NULL)
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_NOT_FOUND, "server %s or cloud account %s is missing",
                   server_id, account_id);
      return NULL;
    }
  normalized = cmt_url_normalize (site_url, error);
  if (normalized == NULL)
    return NULL;
  if (renewed_at < 0)
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT, "negative renewed_at");
      return NULL;
    }

  self = cmtd_connection_new (daemon, id, server, account, normalized, renewed_at);
  cmt_connection_set_last_error (self->iface, last_error != NULL ? last_error : "");
  self->last_error_code = last_error_code != NULL && *last_error_code != '\0' ?
                          cmt_error_code_from_name (last_error_code) : -1;
  /* Stopped before the restart: still stopped until the admin acts. */
  self->auto_blocked = self->last_error_code >= 0 &&
                       cmtd_error_needs_user (&(GError) { CMT_ERROR, self->last_error_code, NULL });
  cmt_connection_set_auto_renew (self->iface, auto_renew);
  cmt_connection_set_auto_renew_consent_at (self->iface, auto_renew ? MAX (consent_at, 0) : 0);
  {
    g_autofree char *label = cmtd_label_load (kf, group);
    cmt_connection_set_label (self->iface, label);
  }
  cmtd_connection_refresh (self);
  return self;
}

const char *
cmtd_connection_get_id (CmtdConnection *self)
{
  return self->id;
}

const char *
cmtd_connection_get_path (CmtdConnection *self)
{
  return self->path;
}

const char *
cmtd_connection_get_cloud_site_url (CmtdConnection *self)
{
  return cmt_connection_get_cloud_site_url (self->iface);
}

CmtdServer *
cmtd_connection_get_server (CmtdConnection *self)
{
  return self->server;
}

CmtdCloudAccount *
cmtd_connection_get_cloud_account (CmtdConnection *self)
{
  return self->account;
}

CmtdCloudAccount *
cmtd_connection_get_renew_account (CmtdConnection *self)
{
  return self->renew_account;
}

GDBusObjectSkeleton *
cmtd_connection_get_object (CmtdConnection *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

gboolean
cmtd_connection_is_removed (CmtdConnection *self)
{
  return self->removed;
}

void
cmtd_connection_keyring_unlocked (CmtdConnection *self)
{
  if (self->auto_keyring_wait)
    {
      self->auto_keyring_wait = FALSE;
      self->auto_retry_at = 0;
    }
  cmtd_connection_refresh (self);
}

void
cmtd_connection_credential_changed (CmtdConnection *self,
                                    int             code)
{
  if (self->last_error_code == code && !cmtd_connection_is_renewing (self))
    {
      /* The cause of the last failure is fixed (the refused credential
       * was replaced, or checks good again): the error is stale. */
      g_debug ("Connection %s: the credential changed; its last error is cleared%s", self->id,
               self->auto_blocked ? " and automatic renewal may try again" : "");
      cmt_connection_set_last_error (self->iface, "");
      self->last_error_code = -1;
      auto_reset (self);
      cmtd_connection_save (self);
      cmtd_daemon_save_async (self->daemon, NULL, NULL);
    }
  cmtd_connection_refresh (self);
}

gboolean
cmtd_connection_is_renewing (CmtdConnection *self)
{
  return self->renew_state != RENEW_IDLE;
}
