/* cmtd-cloud-account.c: one Atlassian cloud administrator's API token, on the bus */
#include <glib/gi18n.h>

#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-url.h"
#include "cmtd-announce.h"
#include "cmtd-cloud-account.h"
#include "cmtd-secrets.h"
#include "cmtd-label.h"
#include "cmtd-store.h"

struct _CmtdCloudAccount
{
  GObject              parent_instance;

  CmtdDaemon          *daemon; /* owns us */
  char                *id;
  char                *path;
  char                *slot;
  CmtdCheckState       check_state;
  gboolean             removed;

  CmtObjectSkeleton   *object;
  CmtCloudAccount     *iface;
  CmtdClockWatch      *watch;
};

G_DEFINE_FINAL_TYPE (CmtdCloudAccount, cmtd_cloud_account, G_TYPE_OBJECT)

enum {
  STATUS_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static char *
group_name (CmtdCloudAccount *self)
{
  return g_strdup_printf ("%s %s", CMTD_STORE_GROUP_CLOUD_ACCOUNT, self->id);
}

char *
cmtd_cloud_account_dup_secret_label (CmtdCloudAccount *self)
{
  /* Translators: the label of a keyring item; %1$s is an email, %2$s a site URL. */
  return g_strdup_printf (_("cmatoken: Atlassian API token of %1$s for %2$s"),
                          cmt_cloud_account_get_email (self->iface),
                          cmt_cloud_account_get_site_url (self->iface));
}

void
cmtd_cloud_account_set_token_scoped (CmtdCloudAccount *self,
                                     gboolean          scoped)
{
  cmt_cloud_account_set_token_scoped (self->iface, scoped);
}

gboolean
cmtd_cloud_account_get_token_scoped (CmtdCloudAccount *self)
{
  return cmt_cloud_account_get_token_scoped (self->iface);
}

GStrv
cmtd_cloud_account_dup_secret_description (CmtdCloudAccount *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add_many (builder,
                           "site", cmt_cloud_account_get_site_url (self->iface),
                           "email", cmt_cloud_account_get_email (self->iface),
                           NULL);
  return g_strv_builder_end (builder);
}

/* ---- status ---- */

static void
on_clock (gpointer data)
{
  cmtd_cloud_account_refresh (CMTD_CLOUD_ACCOUNT (data));
}

void
cmtd_cloud_account_refresh (CmtdCloudAccount *self)
{
  gint64 now = cmtd_daemon_now (self->daemon);
  gint64 warn = cmtd_daemon_get_credential_warn_before (self->daemon);
  gint64 expires_at = cmt_cloud_account_get_token_expires_at (self->iface);
  CmtStatus old_status = cmt_status_from_string (cmt_cloud_account_get_status (self->iface));
  CmtStatus status = cmtd_credential_status (self->check_state, expires_at, warn, now);

  /* The token works, but when it expires is not known: ask for the date. */
  if (status == CMT_STATUS_VALID && expires_at <= 0)
    status = CMT_STATUS_EXPIRY_UNKNOWN;
  if (self->removed)
    {
      cmtd_clock_cancel (cmtd_daemon_get_clock (self->daemon), &self->watch);
      return;
    }

  cmt_cloud_account_set_status (self->iface, cmt_status_to_string (status));
  cmt_cloud_account_set_attention_needed (self->iface, cmtd_status_needs_attention (status));
  cmtd_clock_schedule (cmtd_daemon_get_clock (self->daemon), &self->watch,
                       cmtd_credential_next_change (self->check_state, expires_at, warn, now),
                       on_clock, self);

  if (status != old_status)
    {
      g_debug ("Cloud account %s: %s → %s", self->id,
               cmt_status_to_string (old_status), cmt_status_to_string (status));
      g_signal_emit (self, signals[STATUS_CHANGED], 0);
    }
}

void
cmtd_cloud_account_apply_check (CmtdCloudAccount *self,
                                const char       *display_name,
                                const GError     *error)
{
  gint64 now = cmtd_daemon_now (self->daemon);

  if (error == NULL)
    {
      self->check_state = CMTD_CHECK_OK;
      if (display_name != NULL)
        cmt_cloud_account_set_display_name (self->iface, display_name);
      cmt_cloud_account_set_last_error (self->iface, "");
      cmt_cloud_account_set_last_checked_at (self->iface, now);
    }
  else if (g_error_matches (error, CMT_ERROR, CMT_ERROR_CANCELLED))
    return;
  else
    {
      if (g_error_matches (error, CMT_ERROR, CMT_ERROR_CLOUD_AUTH_FAILED))
        {
          self->check_state = CMTD_CHECK_AUTH_FAILED;
          cmt_cloud_account_set_last_checked_at (self->iface, now);
        }
      cmt_cloud_account_set_last_error (self->iface, error->message);
    }

  g_debug ("Cloud account %s checked: %s", self->id,
           error == NULL ? "ok" : cmt_error_code_to_name (error->code));
  cmtd_cloud_account_refresh (self);
}

/* ---- key file ---- */

void
cmtd_cloud_account_save (CmtdCloudAccount *self)
{
  GKeyFile *kf = cmtd_store_get_key_file (cmtd_daemon_get_store (self->daemon));
  g_autofree char *group = group_name (self);

  if (self->removed)
    return;

  g_key_file_remove_group (kf, group, NULL);
  g_key_file_set_string (kf, group, "email", cmt_cloud_account_get_email (self->iface));
  g_key_file_set_string (kf, group, "site_url", cmt_cloud_account_get_site_url (self->iface));
  g_key_file_set_string (kf, group, "display_name", cmt_cloud_account_get_display_name (self->iface));
  g_key_file_set_int64 (kf, group, "token_expires_at", cmt_cloud_account_get_token_expires_at (self->iface));
  g_key_file_set_string (kf, group, "secret_slot", self->slot);
  g_key_file_set_boolean (kf, group, "token_scoped", cmt_cloud_account_get_token_scoped (self->iface));
  g_key_file_set_string (kf, group, "check", cmtd_check_state_to_string (self->check_state));
  g_key_file_set_int64 (kf, group, "last_checked_at", cmt_cloud_account_get_last_checked_at (self->iface));
  g_key_file_set_string (kf, group, "last_error", cmt_cloud_account_get_last_error (self->iface));
  cmtd_label_save (kf, group, cmt_cloud_account_get_label (self->iface));
}

void
cmtd_cloud_account_unsave (CmtdCloudAccount *self)
{
  GKeyFile *kf = cmtd_store_get_key_file (cmtd_daemon_get_store (self->daemon));
  g_autofree char *group = group_name (self);

  g_key_file_remove_group (kf, group, NULL);
}

/* ---- D-Bus methods ---- */

typedef struct {
  CmtdCloudAccount      *self;
  GDBusMethodInvocation *invocation;
  char                  *api_token;   /* wiped */
  gint64                 token_expires_at;
  char                  *display_name;
  gboolean               scoped;
  char                  *new_slot;
  char                  *old_slot;
  GError                *error;
} Op;

static Op *
op_new (CmtdCloudAccount      *self,
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
  cmtd_atlassian_secret_free (op->api_token);
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
check_not_removed (CmtdCloudAccount *self,
                   GError          **error)
{
  if (!self->removed)
    return TRUE;
  g_set_error_literal (error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                       _("The cloud account was removed meanwhile. Add it again if you still need it."));
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

  if (!cmtd_cloud_account_check_finish (op->self, result, &error))
    {
      op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (op->self->iface));
  cmt_cloud_account_complete_check (op->self->iface, g_steal_pointer (&op->invocation));
}

static gboolean
handle_check (CmtCloudAccount       *iface,
              GDBusMethodInvocation *invocation,
              CmtdCloudAccount      *self)
{
  g_debug ("Cloud account %s: Check", self->id);
  cmtd_cloud_account_check_async (self, TRUE, cmtd_daemon_get_cancellable (self->daemon),
                                  check_done, op_new (self, invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ReplaceToken(): check the new token, store it under a new slot, point the
 * key file at it, and only then clear the old slot. */

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
    g_message ("Cloud account %s: the old token stays in the keyring until the next start: %s",
               op->self->id, error->message);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (op->self->iface));
  subject = g_strdup_printf (_("%1$s on %2$s"), cmtd_cloud_account_get_email (op->self), cmtd_cloud_account_get_site_url (op->self));
  cmtd_announce_and_return (cmtd_daemon_get_notifier (op->self->daemon),
                            cmtd_daemon_get_history (op->self->daemon), g_steal_pointer (&op->invocation),
                            NULL, CMTD_CHANGE_REPLACED, CMTD_SUBJECT_CLOUD_ACCOUNT, op->self->path,
                            cmtd_cloud_account_get_email (op->self), subject);
}

static void
replace_stored (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  CmtdCloudAccount *self = op->self;
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
  cmt_cloud_account_set_token_expires_at (self->iface, op->token_expires_at);
  cmtd_cloud_account_apply_check (self, op->display_name, NULL);
  cmtd_cloud_account_set_token_scoped (self, op->scoped);
  cmtd_cloud_account_save (self);
  cmtd_daemon_save_async (self->daemon, replace_saved, g_steal_pointer (&op));
}

static void
replace_saved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  CmtdCloudAccount *self = op->self;
  const char *old_slot;
  g_autoptr(GError) error = NULL;

  cmtd_daemon_unprotect_slot (self->daemon, op->new_slot);
  if (!cmtd_daemon_save_finish (self->daemon, result, &error))
    {
      /* Back to the old token, unless another replacement came after us. */
      if (g_strcmp0 (self->slot, op->new_slot) == 0)
        {
          g_free (self->slot);
          self->slot = g_strdup (op->old_slot);
          cmtd_store_forget_retired (cmtd_daemon_get_store (self->daemon), self->id, op->old_slot);
          cmtd_store_retire_slot (cmtd_daemon_get_store (self->daemon), self->id, op->new_slot);
          cmtd_cloud_account_save (self);
        }
      cmtd_daemon_unprotect_slot (self->daemon, op->old_slot);
      cmtd_secrets_clear_async (CMTD_SECRET_CLOUD_ACCOUNT, self->id, op->new_slot,
                                NULL, NULL, NULL);
      op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }

  g_debug ("Cloud account %s: token replaced", self->id);
  old_slot = op->old_slot;
  /* Ours no longer: a renewal that still uses it keeps it until it is done. */
  cmtd_daemon_unprotect_slot (self->daemon, old_slot);
  cmtd_daemon_clear_superseded_slot_async (self->daemon, CMTD_SECRET_CLOUD_ACCOUNT, self->id, old_slot,
                                           replace_cleared, g_steal_pointer (&op));
}

static void
replace_checked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  CmtdCloudAccount *self = op->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  g_auto(GStrv) describe = NULL;

  if (!cmtd_atlassian_check_cloud_account_finish (CMTD_ATLASSIAN (source), result,
                                                  &op->display_name, &error) ||
      !check_not_removed (self, &error))
    {
      g_debug ("Cloud account %s: the new token failed its check", self->id);
      op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }
  op->scoped = cmtd_atlassian_check_was_scoped (result);

  op->new_slot = cmtd_new_slot ();
  cmtd_daemon_protect_slot (self->daemon, op->new_slot);
  label = cmtd_cloud_account_dup_secret_label (self);
  describe = cmtd_cloud_account_dup_secret_description (self);
  cmtd_secrets_store_async (CMTD_SECRET_CLOUD_ACCOUNT, self->id, op->new_slot, label,
                            (const char *const *) describe, op->api_token, cmtd_daemon_get_cancellable (self->daemon),
                            replace_stored, op);
  g_steal_pointer (&op);
}

static gboolean
handle_replace_token (CmtCloudAccount       *iface,
                      GDBusMethodInvocation *invocation,
                      const char            *api_token,
                      gint64                 token_expires_at,
                      CmtdCloudAccount      *self)
{
  g_autoptr(GError) error = NULL;
  Op *op;

  g_debug ("Cloud account %s: ReplaceToken", self->id);
  if (!cmtd_validate_secret (api_token, &error) ||
      !cmtd_validate_expiry (token_expires_at, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  op = op_new (self, invocation);
  op->api_token = g_strdup (api_token);
  op->token_expires_at = token_expires_at;
  cmtd_atlassian_check_cloud_account_async (cmtd_daemon_get_atlassian (self->daemon),
                                            cmt_cloud_account_get_site_url (self->iface),
                                            cmt_cloud_account_get_email (self->iface),
                                            op->api_token,
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
    g_message ("Cloud account %s: its token stays in the keyring until the next start: %s",
               op->self->id, error->message);
  else
    cmtd_store_forget_retired (cmtd_daemon_get_store (op->self->daemon), op->self->id, op->old_slot);
  cmtd_daemon_unprotect_slot (op->self->daemon, op->old_slot);
  subject = g_strdup_printf (_("%1$s on %2$s"), cmtd_cloud_account_get_email (op->self), cmtd_cloud_account_get_site_url (op->self));
  cmtd_announce_and_return (cmtd_daemon_get_notifier (op->self->daemon),
                            cmtd_daemon_get_history (op->self->daemon), g_steal_pointer (&op->invocation),
                            NULL, CMTD_CHANGE_REMOVED, CMTD_SUBJECT_CLOUD_ACCOUNT, op->self->path,
                            cmtd_cloud_account_get_email (op->self), subject);
}

static void
remove_saved (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  CmtdCloudAccount *self = op->self;
  g_autoptr(GError) error = NULL;

  if (!cmtd_daemon_save_finish (self->daemon, result, &error))
    {
      self->removed = FALSE;
      cmtd_store_forget_retired (cmtd_daemon_get_store (self->daemon), self->id, op->old_slot);
      cmtd_daemon_unprotect_slot (self->daemon, op->old_slot);
      cmtd_cloud_account_save (self);
      cmtd_cloud_account_refresh (self);
      op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }

  g_debug ("Cloud account %s removed", self->id);
  cmtd_daemon_remove_cloud_account (self->daemon, self);
  cmtd_secrets_clear_async (CMTD_SECRET_CLOUD_ACCOUNT, self->id, NULL,
                            NULL, remove_cleared, g_steal_pointer (&op));
}

static gboolean
handle_remove (CmtCloudAccount       *iface,
               GDBusMethodInvocation *invocation,
               CmtdCloudAccount      *self)
{
  Op *op;

  g_debug ("Cloud account %s: Remove", self->id);
  if (self->removed)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                                     _("The cloud account is already being removed."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (cmtd_daemon_cloud_account_in_use (self->daemon, self))
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_IN_USE,
                                                     _("A connection uses this cloud account. Remove the connection or renew it with another account first."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  op = op_new (self, invocation);
  op->old_slot = g_strdup (self->slot);
  cmtd_daemon_protect_slot (self->daemon, op->old_slot);
  cmtd_store_retire_slot (cmtd_daemon_get_store (self->daemon), self->id, op->old_slot);
  cmtd_cloud_account_unsave (self);
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
  CmtdCloudAccount *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = cmtd_secrets_lookup_finish (result, &error);
  cmtd_daemon_keyring_result (self->daemon, error);
  if (secret == NULL)
    {
      if (g_error_matches (error, CMT_ERROR, CMT_ERROR_NOT_FOUND))
        {
          g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                   _("The API token of %1$s for %2$s is missing from the keyring. Enter the token again (replace it)."),
                                   cmt_cloud_account_get_email (self->iface),
                                   cmt_cloud_account_get_site_url (self->iface));
          return;
        }
      cmtd_error_to_cmt (&error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, secret, (GDestroyNotify) cmtd_atlassian_secret_free);
}

void
cmtd_cloud_account_lookup_token_async (CmtdCloudAccount    *self,
                                       const char          *slot,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, cmtd_cloud_account_lookup_token_async);
  cmtd_secrets_lookup_async (CMTD_SECRET_CLOUD_ACCOUNT, self->id, slot != NULL ? slot : self->slot,
                             cancellable, lookup_done, task);
}

char *
cmtd_cloud_account_lookup_token_finish (CmtdCloudAccount *self,
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
  CmtdCloudAccount *self = g_task_get_source_object (task);
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
  CmtdCloudAccount *self = g_task_get_source_object (task);
  g_autofree char *display_name = NULL;
  g_autoptr(GError) error = NULL;

  cmtd_atlassian_check_cloud_account_finish (CMTD_ATLASSIAN (source), result, &display_name, &error);
  cmtd_error_to_cmt (&error);
  if (self->removed)
    {
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_FOUND, "%s",
                               _("The cloud account was removed meanwhile. Add it again if you still need it."));
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
  cmtd_cloud_account_apply_check (self, display_name, error);
  if (error == NULL)
    cmtd_cloud_account_set_token_scoped (self, cmtd_atlassian_check_was_scoped (result));
  cmtd_cloud_account_save (self);
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
  CmtdCloudAccount *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  char *token;

  cancellable = g_task_get_cancellable (task);
  token = cmtd_cloud_account_lookup_token_finish (self, result, &error);
  if (token == NULL)
    {
      if (g_object_get_data (G_OBJECT (task), "record") &&
          !g_error_matches (error, CMT_ERROR, CMT_ERROR_CANCELLED) && !cmtd_error_is_keyring (error))
        {
          cmt_cloud_account_set_last_error (self->iface, error->message);
          cmtd_cloud_account_save (self);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cmtd_atlassian_check_cloud_account_async (cmtd_daemon_get_atlassian (self->daemon),
                                            cmt_cloud_account_get_site_url (self->iface),
                                            cmt_cloud_account_get_email (self->iface),
                                            token, cancellable,
                                            check_checked, g_steal_pointer (&task));
  cmtd_atlassian_secret_free (token);
}

void
cmtd_cloud_account_check_async (CmtdCloudAccount    *self,
                                gboolean             record,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, cmtd_cloud_account_check_async);
  g_object_set_data (G_OBJECT (task), "record", GINT_TO_POINTER (record));
  cmtd_cloud_account_lookup_token_async (self, NULL, cancellable, check_looked_up, task);
}

gboolean
cmtd_cloud_account_check_finish (CmtdCloudAccount *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- object ---- */

static void
cmtd_cloud_account_dispose (GObject *object)
{
  CmtdCloudAccount *self = CMTD_CLOUD_ACCOUNT (object);

  if (self->daemon != NULL)
    cmtd_clock_cancel (cmtd_daemon_get_clock (self->daemon), &self->watch);
  if (self->iface != NULL)
    g_signal_handlers_disconnect_by_data (self->iface, self);
  g_clear_object (&self->iface);
  g_clear_object (&self->object);

  G_OBJECT_CLASS (cmtd_cloud_account_parent_class)->dispose (object);
}

static void
cmtd_cloud_account_finalize (GObject *object)
{
  CmtdCloudAccount *self = CMTD_CLOUD_ACCOUNT (object);

  g_free (self->id);
  g_free (self->path);
  g_free (self->slot);

  G_OBJECT_CLASS (cmtd_cloud_account_parent_class)->finalize (object);
}

static void
cmtd_cloud_account_class_init (CmtdCloudAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cmtd_cloud_account_dispose;
  object_class->finalize = cmtd_cloud_account_finalize;

  /* For the notifier: Status or AttentionNeeded changed. */
  signals[STATUS_CHANGED] = g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
cmtd_cloud_account_init (CmtdCloudAccount *self)
{
}

static void
save_for_label (gpointer object)
{
  cmtd_cloud_account_save (object);
}

static gboolean
handle_set_label (CmtCloudAccount       *iface,
                  GDBusMethodInvocation *invocation,
                  const char            *label,
                  CmtdCloudAccount      *self)
{
  g_debug ("Cloud account %s: SetLabel", self->id);
  if (self->removed)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                                     _("The cloud account is being removed."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  cmtd_label_handle_set (self->daemon, G_DBUS_INTERFACE_SKELETON (iface), invocation, label,
                         save_for_label, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

CmtdCloudAccount *
cmtd_cloud_account_new (CmtdDaemon *daemon,
                        const char *id,
                        const char *email,
                        const char *site_url,
                        gint64      token_expires_at,
                        const char *slot)
{
  CmtdCloudAccount *self = g_object_new (CMTD_TYPE_CLOUD_ACCOUNT, NULL);

  self->daemon = daemon;
  self->id = g_strdup (id);
  self->path = g_strdup_printf ("%s/%s", CMT_CLOUD_ACCOUNTS_PATH, id);
  self->slot = g_strdup (slot);

  self->object = cmt_object_skeleton_new (self->path);
  self->iface = cmt_cloud_account_skeleton_new ();
  cmt_cloud_account_set_email (self->iface, email);
  cmt_cloud_account_set_site_url (self->iface, site_url);
  cmt_cloud_account_set_display_name (self->iface, "");
  cmt_cloud_account_set_token_expires_at (self->iface, token_expires_at);
  cmt_cloud_account_set_status (self->iface, "unknown");
  cmt_cloud_account_set_last_error (self->iface, "");
  cmt_object_skeleton_set_cloud_account (self->object, self->iface);

  g_signal_connect (self->iface, "handle-check", G_CALLBACK (handle_check), self);
  g_signal_connect (self->iface, "handle-replace-token", G_CALLBACK (handle_replace_token), self);
  g_signal_connect (self->iface, "handle-remove", G_CALLBACK (handle_remove), self);
  g_signal_connect (self->iface, "handle-set-label", G_CALLBACK (handle_set_label), self);

  cmtd_cloud_account_refresh (self);
  return self;
}

CmtdCloudAccount *
cmtd_cloud_account_new_from_key_file (CmtdDaemon  *daemon,
                                      GKeyFile    *kf,
                                      const char  *group,
                                      const char  *id,
                                      GError     **error)
{
  g_autofree char *email = g_key_file_get_string (kf, group, "email", NULL);
  g_autofree char *site_url = g_key_file_get_string (kf, group, "site_url", NULL);
  g_autofree char *slot = g_key_file_get_string (kf, group, "secret_slot", NULL);
  g_autofree char *display_name = g_key_file_get_string (kf, group, "display_name", NULL);
  g_autofree char *check = g_key_file_get_string (kf, group, "check", NULL);
  g_autofree char *last_error = g_key_file_get_string (kf, group, "last_error", NULL);
  g_autofree char *normalized = NULL;
  gint64 expires_at = g_key_file_get_int64 (kf, group, "token_expires_at", NULL);
  gint64 checked_at = g_key_file_get_int64 (kf, group, "last_checked_at", NULL);
  CmtdCloudAccount *self;

  if (!cmtd_validate_email (email, error))
    return NULL;
  normalized = cmt_url_normalize (site_url, error);
  if (normalized == NULL)
    return NULL;
  if (!cmtd_id_is_valid (slot))
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT, "no valid secret_slot");
      return NULL;
    }
  if (!cmtd_validate_expiry (expires_at, error))
    return NULL;

  self = cmtd_cloud_account_new (daemon, id, email, normalized, expires_at, slot);
  self->check_state = cmtd_check_state_from_string (check);
  cmt_cloud_account_set_display_name (self->iface, display_name != NULL ? display_name : "");
  cmt_cloud_account_set_last_error (self->iface, last_error != NULL ? last_error : "");
  cmt_cloud_account_set_last_checked_at (self->iface, MAX (checked_at, 0));
  cmt_cloud_account_set_token_scoped (self->iface, g_key_file_get_boolean (kf, group, "token_scoped", NULL));
  {
    g_autofree char *label = cmtd_label_load (kf, group);
    cmt_cloud_account_set_label (self->iface, label);
  }
  cmtd_cloud_account_refresh (self);
  return self;
}

const char *
cmtd_cloud_account_get_id (CmtdCloudAccount *self)
{
  return self->id;
}

const char *
cmtd_cloud_account_get_path (CmtdCloudAccount *self)
{
  return self->path;
}

const char *
cmtd_cloud_account_get_email (CmtdCloudAccount *self)
{
  return cmt_cloud_account_get_email (self->iface);
}

const char *
cmtd_cloud_account_get_site_url (CmtdCloudAccount *self)
{
  return cmt_cloud_account_get_site_url (self->iface);
}

const char *
cmtd_cloud_account_get_slot (CmtdCloudAccount *self)
{
  return self->slot;
}

GDBusObjectSkeleton *
cmtd_cloud_account_get_object (CmtdCloudAccount *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

gboolean
cmtd_cloud_account_is_removed (CmtdCloudAccount *self)
{
  return self->removed;
}
