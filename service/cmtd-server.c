/* cmtd-server.c: one Jira or Confluence Server / Data Center instance and its credential, on the bus */
#include <glib/gi18n.h>

#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-url.h"
#include "cmtd-announce.h"
#include "cmtd-server.h"
#include "cmtd-secrets.h"
#include "cmtd-label.h"
#include "cmtd-store.h"

struct _CmtdServer
{
  GObject              parent_instance;

  CmtdDaemon          *daemon; /* owns us */
  char                *id;
  char                *path;
  char                *slot;
  CmtdCheckState       check_state;
  gboolean             removed;

  CmtObjectSkeleton   *object;
  CmtServer     *iface;
  CmtdClockWatch      *watch;
};

G_DEFINE_FINAL_TYPE (CmtdServer, cmtd_server, G_TYPE_OBJECT)

enum {
  STATUS_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static char *
group_name (CmtdServer *self)
{
  return g_strdup_printf ("%s %s", CMTD_STORE_GROUP_SERVER, self->id);
}

char *
cmtd_server_dup_secret_label (CmtdServer *self,
                              const char *auth_kind,
                              const char *username)
{
  const char *product = cmtd_product_display_name (cmt_server_get_product (self->iface));
  const char *url = cmt_server_get_base_url (self->iface);

  if (g_str_equal (auth_kind, "basic"))
    /* Translators: the label of a keyring item; %1$s is Jira or Confluence,
     * %2$s a user name, %3$s the server's URL. */
    return g_strdup_printf (_("cmatoken: %1$s password of %2$s for %3$s"),
                            product, username, url);
  /* Translators: the label of a keyring item; %1$s is Jira or Confluence, %2$s the server's URL. */
  return g_strdup_printf (_("cmatoken: %1$s personal access token for %2$s"), product, url);
}

GStrv
cmtd_server_dup_secret_description (CmtdServer *self,
                                    const char *auth_kind,
                                    const char *username)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add_many (builder,
                           "product", cmt_server_get_product (self->iface),
                           "url", cmt_server_get_base_url (self->iface),
                           "auth", auth_kind,
                           "user", username,
                           NULL);
  return g_strv_builder_end (builder);
}

/* ---- status ---- */

static void
on_clock (gpointer data)
{
  cmtd_server_refresh (CMTD_SERVER (data));
}

void
cmtd_server_refresh (CmtdServer *self)
{
  gint64 now = cmtd_daemon_now (self->daemon);
  gint64 warn = cmtd_daemon_get_credential_warn_before (self->daemon);
  gint64 expires_at = cmt_server_get_secret_expires_at (self->iface);
  CmtStatus old_status = cmt_status_from_string (cmt_server_get_status (self->iface));
  CmtStatus status = cmtd_credential_status (self->check_state, expires_at, warn, now);

  if (self->removed)
    {
      cmtd_clock_cancel (cmtd_daemon_get_clock (self->daemon), &self->watch);
      return;
    }

  cmt_server_set_status (self->iface, cmt_status_to_string (status));
  cmt_server_set_attention_needed (self->iface, cmtd_status_needs_attention (status));
  cmtd_clock_schedule (cmtd_daemon_get_clock (self->daemon), &self->watch,
                       cmtd_credential_next_change (self->check_state, expires_at, warn, now),
                       on_clock, self);

  if (status != old_status)
    {
      g_debug ("Server %s: %s → %s", self->id,
               cmt_status_to_string (old_status), cmt_status_to_string (status));
      g_signal_emit (self, signals[STATUS_CHANGED], 0);
    }
}

void
cmtd_server_apply_check (CmtdServer *self,
                                const char       *display_name,
                                const GError     *error)
{
  gint64 now = cmtd_daemon_now (self->daemon);

  if (error == NULL)
    {
      self->check_state = CMTD_CHECK_OK;
      if (display_name != NULL)
        g_debug ("Server %s: signed in as %s", self->id, display_name);
      cmt_server_set_last_error (self->iface, "");
      cmt_server_set_last_checked_at (self->iface, now);
    }
  else if (g_error_matches (error, CMT_ERROR, CMT_ERROR_CANCELLED))
    return;
  else
    {
      if (g_error_matches (error, CMT_ERROR, CMT_ERROR_SERVER_AUTH_FAILED))
        {
          self->check_state = CMTD_CHECK_AUTH_FAILED;
          cmt_server_set_last_checked_at (self->iface, now);
        }
      cmt_server_set_last_error (self->iface, error->message);
    }

  g_debug ("Server %s checked: %s", self->id,
           error == NULL ? "ok" : cmt_error_code_to_name (error->code));
  cmtd_server_refresh (self);
}

/* ---- key file ---- */

void
cmtd_server_save (CmtdServer *self)
{
  GKeyFile *kf = cmtd_store_get_key_file (cmtd_daemon_get_store (self->daemon));
  g_autofree char *group = group_name (self);

  if (self->removed)
    return;

  g_key_file_remove_group (kf, group, NULL);
  g_key_file_set_string (kf, group, "product", cmt_server_get_product (self->iface));
  g_key_file_set_string (kf, group, "base_url", cmt_server_get_base_url (self->iface));
  g_key_file_set_string (kf, group, "auth_kind", cmt_server_get_auth_kind (self->iface));
  g_key_file_set_string (kf, group, "username", cmt_server_get_username (self->iface));
  g_key_file_set_int64 (kf, group, "secret_expires_at", cmt_server_get_secret_expires_at (self->iface));
  g_key_file_set_string (kf, group, "secret_slot", self->slot);
  g_key_file_set_string (kf, group, "check", cmtd_check_state_to_string (self->check_state));
  g_key_file_set_int64 (kf, group, "last_checked_at", cmt_server_get_last_checked_at (self->iface));
  g_key_file_set_string (kf, group, "last_error", cmt_server_get_last_error (self->iface));
  cmtd_label_save (kf, group, cmt_server_get_label (self->iface));
}

void
cmtd_server_unsave (CmtdServer *self)
{
  GKeyFile *kf = cmtd_store_get_key_file (cmtd_daemon_get_store (self->daemon));
  g_autofree char *group = group_name (self);

  g_key_file_remove_group (kf, group, NULL);
}

/* ---- D-Bus methods ---- */

typedef struct {
  CmtdServer      *self;
  GDBusMethodInvocation *invocation;
  char                  *auth_kind;
  char                  *username;
  char                  *secret;      /* wiped */
  gint64                 secret_expires_at;
  char                  *old_auth_kind;
  char                  *old_username;
  gint64                 old_secret_expires_at;
  char                  *display_name;
  char                  *new_slot;
  char                  *old_slot;
  GError                *error;
} Op;

static Op *
op_new (CmtdServer      *self,
        GDBusMethodInvocation *invocation)
{
  Op *op = g_new0 (Op, 1);

  op->self = g_object_ref (self);
  op->invocation = invocation; /* the handler's reference: a return consumes it */
  cmtd_daemon_hold (self->daemon);
  return op;
}

static void
op_free (Op *op)
{
  cmtd_daemon_release (op->self->daemon);
  cmtd_atlassian_secret_free (op->secret);
  g_free (op->auth_kind);
  g_free (op->username);
  g_free (op->old_auth_kind);
  g_free (op->old_username);
  g_free (op->display_name);
  g_free (op->new_slot);
  g_free (op->old_slot);
  g_clear_error (&op->error);
  g_clear_object (&op->invocation);
  g_object_unref (op->self);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Op, op_free)

/* Takes @op and @error. */
static void
op_return_error (Op     *op,
                 GError *error)
{
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (op->self->iface));
  g_dbus_method_invocation_return_gerror (g_steal_pointer (&op->invocation), error);
  g_error_free (error);
  op_free (op);
}

static gboolean
check_not_removed (CmtdServer *self,
                   GError          **error)
{
  if (!self->removed)
    return TRUE;
  g_set_error_literal (error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                       _("The server was removed meanwhile. Add it again if you still need it."));
  return FALSE;
}

/* Check() */

static void
check_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  g_autoptr(GError) error = NULL;

  if (!cmtd_server_check_finish (op->self, result, &error))
    {
      op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (op->self->iface));
  cmt_server_complete_check (op->self->iface, g_steal_pointer (&op->invocation));
}

static gboolean
handle_check (CmtServer       *iface,
              GDBusMethodInvocation *invocation,
              CmtdServer      *self)
{
  g_debug ("Server %s: Check", self->id);
  cmtd_server_check_async (self, TRUE, cmtd_daemon_get_cancellable (self->daemon),
                                  check_done, op_new (self, invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ReplaceSecret(): check the new credential, store it under a new slot, point
 * the key file at it, and only then clear the old slot. */

static void replace_saved (GObject *source, GAsyncResult *result, gpointer user_data);

static void
replace_cleared (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *subject = NULL;

  if (!cmtd_daemon_clear_superseded_slot_finish (op->self->daemon, result, &error))
    g_message ("Server %s: the old secret stays in the keyring until the next start: %s",
               op->self->id, error->message);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (op->self->iface));
  subject = g_strdup_printf ("%s (%s)", cmtd_server_get_base_url (op->self), cmtd_product_display_name (cmtd_server_get_product (op->self)));
  cmtd_announce_and_return (cmtd_daemon_get_notifier (op->self->daemon),
                            cmtd_daemon_get_history (op->self->daemon), g_steal_pointer (&op->invocation),
                            NULL, CMTD_CHANGE_REPLACED, CMTD_SUBJECT_SERVER, op->self->path, NULL, subject);
}

static void
replace_stored (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  CmtdServer *self = op->self;
  g_autoptr(GError) error = NULL;

  if (!cmtd_secrets_store_finish (result, &error) || !check_not_removed (self, &error))
    {
      cmtd_daemon_keyring_result (self->daemon, error);
      cmtd_daemon_unprotect_slot (self->daemon, op->new_slot);
      /* The new slot may exist (removed meanwhile): the next start reconciles it. */
      op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }
  cmtd_daemon_keyring_result (self->daemon, NULL);

  op->old_slot = g_steal_pointer (&self->slot);
  self->slot = g_strdup (op->new_slot);
  cmtd_daemon_protect_slot (self->daemon, op->old_slot);
  cmtd_store_retire_slot (cmtd_daemon_get_store (self->daemon), self->id, op->old_slot);
  op->old_auth_kind = g_strdup (cmt_server_get_auth_kind (self->iface));
  op->old_username = g_strdup (cmt_server_get_username (self->iface));
  op->old_secret_expires_at = cmt_server_get_secret_expires_at (self->iface);
  cmt_server_set_auth_kind (self->iface, op->auth_kind);
  cmt_server_set_username (self->iface, op->username);
  cmt_server_set_secret_expires_at (self->iface, op->secret_expires_at);
  cmtd_server_apply_check (self, op->display_name, NULL);
  cmtd_server_save (self);
  cmtd_daemon_save_async (self->daemon, replace_saved, g_steal_pointer (&op));
}

static void
replace_saved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  CmtdServer *self = op->self;
  const char *old_slot;
  g_autoptr(GError) error = NULL;

  cmtd_daemon_unprotect_slot (self->daemon, op->new_slot);
  if (!cmtd_daemon_save_finish (self->daemon, result, &error))
    {
      /* Back to the old credential, unless another replacement came after us. */
      if (g_strcmp0 (self->slot, op->new_slot) == 0)
        {
          g_free (self->slot);
          self->slot = g_strdup (op->old_slot);
          cmtd_store_forget_retired (cmtd_daemon_get_store (self->daemon), self->id, op->old_slot);
          cmtd_store_retire_slot (cmtd_daemon_get_store (self->daemon), self->id, op->new_slot);
          cmt_server_set_auth_kind (self->iface, op->old_auth_kind);
          cmt_server_set_username (self->iface, op->old_username);
          cmt_server_set_secret_expires_at (self->iface, op->old_secret_expires_at);
          cmtd_server_refresh (self);
          cmtd_server_save (self);
        }
      cmtd_daemon_unprotect_slot (self->daemon, op->old_slot);
      cmtd_secrets_clear_async (CMTD_SECRET_SERVER, self->id, op->new_slot,
                                NULL, NULL, NULL);
      op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }

  g_debug ("Server %s: credential replaced", self->id);
  old_slot = op->old_slot;
  /* Ours no longer: a renewal that still uses it keeps it until it is done. */
  cmtd_daemon_unprotect_slot (self->daemon, old_slot);
  cmtd_daemon_clear_superseded_slot_async (self->daemon, CMTD_SECRET_SERVER, self->id, old_slot,
                                           replace_cleared, g_steal_pointer (&op));
}

static void
replace_checked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  CmtdServer *self = op->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  g_auto(GStrv) describe = NULL;

  if (!cmtd_atlassian_check_server_finish (CMTD_ATLASSIAN (source), result,
                                           &op->display_name, &error) ||
      !check_not_removed (self, &error))
    {
      g_debug ("Server %s: the new credential failed its check", self->id);
      op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }

  op->new_slot = cmtd_new_slot ();
  cmtd_daemon_protect_slot (self->daemon, op->new_slot);
  label = cmtd_server_dup_secret_label (self, op->auth_kind, op->username);
  describe = cmtd_server_dup_secret_description (self, op->auth_kind, op->username);
  cmtd_secrets_store_async (CMTD_SECRET_SERVER, self->id, op->new_slot, label,
                            (const char *const *) describe, op->secret, cmtd_daemon_get_cancellable (self->daemon),
                            replace_stored, op);
  g_steal_pointer (&op);
}

static gboolean
handle_replace_secret (CmtServer             *iface,
                       GDBusMethodInvocation *invocation,
                       const char            *auth_kind,
                       const char            *username,
                       const char            *secret,
                       gint64                 secret_expires_at,
                       CmtdServer            *self)
{
  g_autoptr(GError) error = NULL;
  Op *op;

  g_debug ("Server %s: ReplaceSecret", self->id);
  if (!cmtd_validate_auth_kind (auth_kind, username, &error) ||
      !cmtd_validate_secret (secret, &error) ||
      !cmtd_validate_expiry (secret_expires_at, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  op = op_new (self, invocation);
  op->auth_kind = g_strdup (auth_kind);
  /* A personal access token needs no user name: none is kept. */
  op->username = g_strdup (g_str_equal (auth_kind, "basic") ? username : "");
  op->secret = g_strdup (secret);
  op->secret_expires_at = secret_expires_at;
  cmtd_atlassian_check_server_async (cmtd_daemon_get_atlassian (self->daemon),
                                     cmt_server_get_product (self->iface),
                                     cmt_server_get_base_url (self->iface),
                                     op->auth_kind, op->username, op->secret,
                                     cmtd_daemon_get_cancellable (self->daemon),
                                     replace_checked, op);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Remove(): the key file forgets it first, then the keyring. */

static void
remove_cleared (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *subject = NULL;

  if (!cmtd_secrets_clear_finish (result, &error))
    g_message ("Server %s: its secret stays in the keyring until the next start: %s",
               op->self->id, error->message);
  else
    cmtd_store_forget_retired (cmtd_daemon_get_store (op->self->daemon), op->self->id, op->old_slot);
  cmtd_daemon_unprotect_slot (op->self->daemon, op->old_slot);
  subject = g_strdup_printf ("%s (%s)", cmtd_server_get_base_url (op->self), cmtd_product_display_name (cmtd_server_get_product (op->self)));
  cmtd_announce_and_return (cmtd_daemon_get_notifier (op->self->daemon),
                            cmtd_daemon_get_history (op->self->daemon), g_steal_pointer (&op->invocation),
                            NULL, CMTD_CHANGE_REMOVED, CMTD_SUBJECT_SERVER, op->self->path, NULL, subject);
}

static void
remove_saved (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  CmtdServer *self = op->self;
  g_autoptr(GError) error = NULL;

  if (!cmtd_daemon_save_finish (self->daemon, result, &error))
    {
      self->removed = FALSE;
      cmtd_store_forget_retired (cmtd_daemon_get_store (self->daemon), self->id, op->old_slot);
      cmtd_daemon_unprotect_slot (self->daemon, op->old_slot);
      cmtd_server_save (self);
      cmtd_server_refresh (self);
      op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }

  g_debug ("Server %s removed", self->id);
  cmtd_daemon_remove_server (self->daemon, self);
  cmtd_secrets_clear_async (CMTD_SECRET_SERVER, self->id, NULL,
                            NULL, remove_cleared, g_steal_pointer (&op));
}

static gboolean
handle_remove (CmtServer       *iface,
               GDBusMethodInvocation *invocation,
               CmtdServer      *self)
{
  Op *op;

  g_debug ("Server %s: Remove", self->id);
  if (self->removed)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                                     _("The server is already being removed."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (cmtd_daemon_server_in_use (self->daemon, self))
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_IN_USE,
                                                     _("A connection uses this server. Remove the connection first."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  op = op_new (self, invocation);
  op->old_slot = g_strdup (self->slot);
  cmtd_daemon_protect_slot (self->daemon, op->old_slot);
  cmtd_store_retire_slot (cmtd_daemon_get_store (self->daemon), self->id, op->old_slot);
  cmtd_server_unsave (self);
  self->removed = TRUE;
  cmtd_clock_cancel (cmtd_daemon_get_clock (self->daemon), &self->watch);
  cmtd_daemon_save_async (self->daemon, remove_saved, op);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- checks and secrets, for the methods above and for others ---- */

static void
lookup_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CmtdServer *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = cmtd_secrets_lookup_finish (result, &error);
  cmtd_daemon_keyring_result (self->daemon, error);
  if (secret == NULL)
    {
      if (g_error_matches (error, CMT_ERROR, CMT_ERROR_NOT_FOUND))
        {
          g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                   _("The credential for %s is missing from the keyring. Enter the token or password again (replace it)."),
                                   cmt_server_get_base_url (self->iface));
          return;
        }
      cmtd_error_to_cmt (&error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, secret, (GDestroyNotify) cmtd_atlassian_secret_free);
}

void
cmtd_server_lookup_secret_async (CmtdServer    *self,
                                 const char          *slot,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, cmtd_server_lookup_secret_async);
  cmtd_secrets_lookup_async (CMTD_SECRET_SERVER, self->id, slot != NULL ? slot : self->slot,
                             cancellable, lookup_done, task);
}

char *
cmtd_server_lookup_secret_finish (CmtdServer *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
check_saved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CmtdServer *self = g_task_get_source_object (task);
  GError *check_error = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!cmtd_daemon_save_finish (self->daemon, result, &error))
    g_warning ("%s", error->message);
  if (check_error != NULL)
    g_task_return_error (task, g_error_copy (check_error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
check_checked (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CmtdServer *self = g_task_get_source_object (task);
  g_autofree char *display_name = NULL;
  g_autoptr(GError) error = NULL;

  cmtd_atlassian_check_server_finish (CMTD_ATLASSIAN (source), result, &display_name, &error);
  cmtd_error_to_cmt (&error);
  if (self->removed)
    {
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_FOUND, "%s",
                               _("The server was removed meanwhile. Add it again if you still need it."));
      return;
    }
  if (!g_object_get_data (G_OBJECT (task), "record"))
    {
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }
  cmtd_server_apply_check (self, display_name, error);
  cmtd_server_save (self);
  if (error != NULL)
    g_task_set_task_data (task, g_steal_pointer (&error), (GDestroyNotify) g_error_free);
  cmtd_daemon_save_async (self->daemon, check_saved, g_steal_pointer (&task));
}

static void
check_looked_up (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CmtdServer *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  char *token;

  cancellable = g_task_get_cancellable (task);
  token = cmtd_server_lookup_secret_finish (self, result, &error);
  if (token == NULL)
    {
      if (g_object_get_data (G_OBJECT (task), "record") &&
          !g_error_matches (error, CMT_ERROR, CMT_ERROR_CANCELLED) && !cmtd_error_is_keyring (error))
        {
          cmt_server_set_last_error (self->iface, error->message);
          cmtd_server_save (self);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cmtd_atlassian_check_server_async (cmtd_daemon_get_atlassian (self->daemon),
                                     cmt_server_get_product (self->iface),
                                     cmt_server_get_base_url (self->iface),
                                     cmt_server_get_auth_kind (self->iface),
                                     cmt_server_get_username (self->iface),
                                     token, cancellable,
                                            check_checked, g_steal_pointer (&task));
  cmtd_atlassian_secret_free (token);
}

void
cmtd_server_check_async (CmtdServer    *self,
                                gboolean             record,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, cmtd_server_check_async);
  g_object_set_data (G_OBJECT (task), "record", GINT_TO_POINTER (record));
  cmtd_server_lookup_secret_async (self, NULL, cancellable, check_looked_up, task);
}

gboolean
cmtd_server_check_finish (CmtdServer *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- object ---- */

static void
cmtd_server_dispose (GObject *object)
{
  CmtdServer *self = CMTD_SERVER (object);

  if (self->daemon != NULL)
    cmtd_clock_cancel (cmtd_daemon_get_clock (self->daemon), &self->watch);
  if (self->iface != NULL)
    g_signal_handlers_disconnect_by_data (self->iface, self);
  g_clear_object (&self->iface);
  g_clear_object (&self->object);

  G_OBJECT_CLASS (cmtd_server_parent_class)->dispose (object);
}

static void
cmtd_server_finalize (GObject *object)
{
  CmtdServer *self = CMTD_SERVER (object);

  g_free (self->id);
  g_free (self->path);
  g_free (self->slot);

  G_OBJECT_CLASS (cmtd_server_parent_class)->finalize (object);
}

static void
cmtd_server_class_init (CmtdServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cmtd_server_dispose;
  object_class->finalize = cmtd_server_finalize;

  /* For the notifier: Status or AttentionNeeded changed. */
  signals[STATUS_CHANGED] = g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
cmtd_server_init (CmtdServer *self)
{
}

static void
save_for_label (gpointer object)
{
  cmtd_server_save (object);
}

static gboolean
handle_set_label (CmtServer             *iface,
                  GDBusMethodInvocation *invocation,
                  const char            *label,
                  CmtdServer            *self)
{
  g_debug ("Server %s: SetLabel", self->id);
  if (self->removed)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                                     _("The server is being removed."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  cmtd_label_handle_set (self->daemon, G_DBUS_INTERFACE_SKELETON (iface), invocation, label,
                         save_for_label, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

CmtdServer *
cmtd_server_new (CmtdDaemon *daemon,
                 const char *id,
                 const char *product,
                 const char *base_url,
                 const char *auth_kind,
                 const char *username,
                 gint64      secret_expires_at,
                 const char *slot)
{
  CmtdServer *self = g_object_new (CMTD_TYPE_SERVER, NULL);

  self->daemon = daemon;
  self->id = g_strdup (id);
  self->path = g_strdup_printf ("%s/%s", CMT_SERVERS_PATH, id);
  self->slot = g_strdup (slot);

  self->object = cmt_object_skeleton_new (self->path);
  self->iface = cmt_server_skeleton_new ();
  cmt_server_set_product (self->iface, product);
  cmt_server_set_base_url (self->iface, base_url);
  cmt_server_set_auth_kind (self->iface, auth_kind);
  cmt_server_set_username (self->iface, username != NULL ? username : "");
  cmt_server_set_secret_expires_at (self->iface, secret_expires_at);
  cmt_server_set_status (self->iface, "unknown");
  cmt_server_set_last_error (self->iface, "");
  cmt_object_skeleton_set_server (self->object, self->iface);

  g_signal_connect (self->iface, "handle-check", G_CALLBACK (handle_check), self);
  g_signal_connect (self->iface, "handle-replace-secret", G_CALLBACK (handle_replace_secret), self);
  g_signal_connect (self->iface, "handle-remove", G_CALLBACK (handle_remove), self);
  g_signal_connect (self->iface, "handle-set-label", G_CALLBACK (handle_set_label), self);

  cmtd_server_refresh (self);
  return self;
}

CmtdServer *
cmtd_server_new_from_key_file (CmtdDaemon  *daemon,
                               GKeyFile    *kf,
                               const char  *group,
                               const char  *id,
                               GError     **error)
{
  g_autofree char *product = g_key_file_get_string (kf, group, "product", NULL);
  g_autofree char *base_url = g_key_file_get_string (kf, group, "base_url", NULL);
  g_autofree char *auth_kind = g_key_file_get_string (kf, group, "auth_kind", NULL);
  g_autofree char *username = g_key_file_get_string (kf, group, "username", NULL);
  g_autofree char *slot = g_key_file_get_string (kf, group, "secret_slot", NULL);
  g_autofree char *check = g_key_file_get_string (kf, group, "check", NULL);
  g_autofree char *last_error = g_key_file_get_string (kf, group, "last_error", NULL);
  g_autofree char *normalized = NULL;
  gint64 expires_at = g_key_file_get_int64 (kf, group, "secret_expires_at", NULL);
  gint64 checked_at = g_key_file_get_int64 (kf, group, "last_checked_at", NULL);
  CmtdServer *self;

  if (!cmtd_validate_product (product, error) ||
      !cmtd_validate_auth_kind (auth_kind, username, error))
    return NULL;
  normalized = cmt_url_normalize (base_url, error);
  if (normalized == NULL)
    return NULL;
  if (!cmtd_id_is_valid (slot))
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT, "no valid secret_slot");
      return NULL;
    }
  if (!cmtd_validate_expiry (expires_at, error))
    return NULL;

  self = cmtd_server_new (daemon, id, product, normalized, auth_kind,
                          g_str_equal (auth_kind, "basic") ? username : "", expires_at, slot);
  self->check_state = cmtd_check_state_from_string (check);
  cmt_server_set_last_error (self->iface, last_error != NULL ? last_error : "");
  cmt_server_set_last_checked_at (self->iface, MAX (checked_at, 0));
  {
    g_autofree char *label = cmtd_label_load (kf, group);
    cmt_server_set_label (self->iface, label);
  }
  cmtd_server_refresh (self);
  return self;
}

const char *
cmtd_server_get_id (CmtdServer *self)
{
  return self->id;
}

const char *
cmtd_server_get_path (CmtdServer *self)
{
  return self->path;
}

const char *
cmtd_server_get_product (CmtdServer *self)
{
  return cmt_server_get_product (self->iface);
}

const char *
cmtd_server_get_base_url (CmtdServer *self)
{
  return cmt_server_get_base_url (self->iface);
}

const char *
cmtd_server_get_auth_kind (CmtdServer *self)
{
  return cmt_server_get_auth_kind (self->iface);
}

const char *
cmtd_server_get_username (CmtdServer *self)
{
  return cmt_server_get_username (self->iface);
}

const char *
cmtd_server_get_slot (CmtdServer *self)
{
  return self->slot;
}

GDBusObjectSkeleton *
cmtd_server_get_object (CmtdServer *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

gboolean
cmtd_server_is_removed (CmtdServer *self)
{
  return self->removed;
}
