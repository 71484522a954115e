/* cmt-credential-row.c: a cloud account or a server, with its credential's state and actions */
#include <glib/gi18n.h>

#include "cmt-credential-row.h"
#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-names.h"
#include "cmt-resources.h"
#include "cmt-tooltip.h"
#include "cmt-url.h"
#include "cmt-wording.h"


struct _CmtCredentialRow
{
  GtkWidget           parent_instance;

  GDBusObjectManager *manager;
  GDBusObject        *object;
  CmtCloudAccount    *account;   /* one of these two */
  CmtServer          *server;
  GCancellable       *cancellable;

  GtkImage           *icon;
  GtkLabel           *title_label;
  GtkLabel           *subtitle_label;
  GtkLabel           *state_label;
  GtkLabel           *error_label;
  GtkStack           *check_stack;
  GtkSpinner         *check_spinner;
  GtkWidget          *check_button;
  GtkWidget          *replace_button;
  GtkWidget          *remove_button;
};

G_DEFINE_FINAL_TYPE (CmtCredentialRow, cmt_credential_row, GTK_TYPE_WIDGET)

static char *
server_subtitle (CmtServer *server)
{
  gboolean confluence = g_strcmp0 (cmt_server_get_product (server), "confluence") == 0;

  if (g_strcmp0 (cmt_server_get_auth_kind (server), "basic") == 0)
    {
      const char *user = cmt_server_get_username (server);
      if (confluence)
        /* Translators: %s is a username on a Confluence server. */
        return g_strdup_printf (_("Confluence · password of %s"), user);
      /* Translators: %s is a username on a Jira server. */
      return g_strdup_printf (_("Jira · password of %s"), user);
    }
  return g_strdup (confluence ? _("Confluence · personal access token")
                              : _("Jira · personal access token"));
}

void
cmt_credential_row_refresh (CmtCredentialRow *self)
{
  static const char * const state_classes[] = { "success", "warning", "error", "dim-label" };
  CmtManager *manager_iface = cmt_wording_peek_manager (self->manager);
  gint64 warn_before = (CMT_DEFAULT_CREDENTIAL_WARN_DAYS * CMT_SECONDS_PER_DAY);
  gint64 now = cmt_wording_now ();
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *state = NULL;
  g_autofree char *check_name = NULL;
  g_autofree char *replace_name = NULL;
  g_autofree char *remove_name = NULL;
  const char *replace_label;
  const char *last_error;
  const char *label;
  CmtStatus status;

  /* An unbound recycled row: its next bind refreshes it. */
  if (self->account == NULL && self->server == NULL)
    return;

  if (manager_iface != NULL)
    warn_before = MAX (cmt_manager_get_credential_warn_before (manager_iface), 0);

  if (self->account != NULL)
    {
      const char *display_name = cmt_cloud_account_get_display_name (self->account);
      g_autofree char *site = cmt_url_display (cmt_cloud_account_get_site_url (self->account));

      title = g_strdup (cmt_cloud_account_get_email (self->account));
      if (display_name != NULL && *display_name != '\0')
        /* Translators: an account's name and its cloud site: "Ada Admin on acme.atlassian.net". */
        subtitle = g_strdup_printf (_("%1$s on %2$s"), display_name, site);
      else
        subtitle = g_steal_pointer (&site);
      status = cmt_status_from_string (cmt_cloud_account_get_status (self->account));
      state = cmt_wording_credential_state (status, TRUE,
                                            cmt_cloud_account_get_token_expires_at (self->account),
                                            warn_before, now);
      last_error = cmt_cloud_account_get_last_error (self->account);
      replace_label = _("_Replace Token…");
      /* Translators: accessible name of a button; %s is an email address. */
      replace_name = g_strdup_printf (_("Replace the API token of %s"), title);
      gtk_image_set_from_icon_name (self->icon, "avatar-default-symbolic");
    }
  else
    {
      gboolean basic = g_strcmp0 (cmt_server_get_auth_kind (self->server), "basic") == 0;

      title = cmt_url_display (cmt_server_get_base_url (self->server));
      subtitle = server_subtitle (self->server);
      status = cmt_status_from_string (cmt_server_get_status (self->server));
      state = cmt_wording_credential_state (status, FALSE,
                                            cmt_server_get_secret_expires_at (self->server),
                                            warn_before, now);
      last_error = cmt_server_get_last_error (self->server);
      replace_label = basic ? _("_Replace Password…") : _("_Replace Token…");
      /* Translators: accessible name of a button; %s is a server, "jira.example.com". */
      replace_name = g_strdup_printf (_("Replace the credential of %s"), title);
      gtk_image_set_from_icon_name (self->icon, "network-server-symbolic");
    }

  label = self->account != NULL ? cmt_cloud_account_get_label (self->account)
                                : cmt_server_get_label (self->server);
  if (label != NULL && *label != '\0')
    {
      /* Translators: what a labelled row shows below its label (the name the
       * admin gave it): "jira.example.com · Jira, personal access token". */
      g_autofree char *below = g_strdup_printf (_("%1$s · %2$s"), title, subtitle);

      gtk_label_set_label (self->title_label, label);
      gtk_label_set_label (self->subtitle_label, below);
    }
  else
    {
      gtk_label_set_label (self->title_label, title);
      gtk_label_set_label (self->subtitle_label, subtitle);
    }
  cmt_tooltip_set (GTK_WIDGET (self->title_label), title);
  gtk_label_set_label (self->state_label, state);
  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), state_classes[i]);
  gtk_widget_add_css_class (GTK_WIDGET (self->state_label), cmt_wording_status_css_class (status));

  gtk_widget_set_visible (GTK_WIDGET (self->error_label), last_error != NULL && *last_error != '\0');
  gtk_label_set_label (self->error_label, last_error != NULL ? last_error : "");

  gtk_button_set_label (GTK_BUTTON (self->replace_button), replace_label);

  /* Translators: accessible name of a button; %s is an email address or a server. */
  check_name = g_strdup_printf (_("Check %s"), title);
  /* Translators: accessible name of a button; %s is an email address or a server. */
  remove_name = g_strdup_printf (_("Remove %s"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->check_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, check_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->replace_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, replace_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, state, -1);
}

static void
on_iface_notify (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  cmt_credential_row_refresh (user_data);
}

static void
checking (CmtCredentialRow *self,
          gboolean          busy)
{
  gtk_stack_set_visible_child_name (self->check_stack, busy ? "spinner" : "button");
  gtk_spinner_set_spinning (self->check_spinner, busy);
}

static void
check_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CmtCredentialRow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  const char *title;

  if (CMT_IS_CLOUD_ACCOUNT (source))
    cmt_cloud_account_call_check_finish (CMT_CLOUD_ACCOUNT (source), result, &error);
  else
    cmt_server_call_check_finish (CMT_SERVER (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  checking (self, FALSE);

  title = gtk_label_get_label (self->title_label);
  if (error != NULL)
    {
      cmt_error_from_dbus (&error);
      message = g_strdup (error->message);
    }
  else if (self->account != NULL)
    /* Translators: %s is an email address. */
    message = g_strdup_printf (_("The API token of %s works"), title);
  else
    /* Translators: %s is a server, "jira.example.com". */
    message = g_strdup_printf (_("The credential of %s works"), title);

  gtk_widget_activate_action (GTK_WIDGET (self), "main.toast", "s", message);
}

static void
row_check (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  CmtCredentialRow *self = CMT_CREDENTIAL_ROW (widget);

  if (self->object == NULL)
    return;
  checking (self, TRUE);
  if (self->account != NULL)
    cmt_cloud_account_call_check (self->account, self->cancellable, check_done, g_object_ref (self));
  else
    cmt_server_call_check (self->server, self->cancellable, check_done, g_object_ref (self));
}

static void
row_replace (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CmtCredentialRow *self = CMT_CREDENTIAL_ROW (widget);

  if (self->object == NULL)
    return;
  gtk_widget_activate_action (widget, "main.replace-credential", "s",
                              g_dbus_object_get_object_path (self->object));
}

static void
row_remove (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CmtCredentialRow *self = CMT_CREDENTIAL_ROW (widget);

  if (self->object == NULL)
    return;
  gtk_widget_activate_action (widget, "main.remove-credential", "s",
                              g_dbus_object_get_object_path (self->object));
}

static void
cmt_credential_row_dispose (GObject *object)
{
  CmtCredentialRow *self = CMT_CREDENTIAL_ROW (object);

  cmt_credential_row_set_object (self, NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->manager);
  gtk_widget_dispose_template (GTK_WIDGET (self), CMT_TYPE_CREDENTIAL_ROW);
  /* The template's outer box is not a bound child: a plain GtkWidget parent must drop it. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child != NULL;
       child = gtk_widget_get_first_child (GTK_WIDGET (self)))
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (cmt_credential_row_parent_class)->dispose (object);
}

static void
cmt_credential_row_class_init (CmtCredentialRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cmt_credential_row_dispose;

  cmt_gui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cmatoken/cmt-credential-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, icon);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, check_stack);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, check_spinner);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, check_button);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, replace_button);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialRow, remove_button);

  gtk_widget_class_install_action (widget_class, "row.check", NULL, row_check);
  gtk_widget_class_install_action (widget_class, "row.replace", NULL, row_replace);
  gtk_widget_class_install_action (widget_class, "row.remove", NULL, row_remove);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "cmtcredentialrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
cmt_credential_row_init (CmtCredentialRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  cmt_tooltip_set (self->check_button, _("Check Now"));
  cmt_tooltip_set (self->remove_button, _("Remove"));
  self->cancellable = g_cancellable_new ();
}

/* Rows are recycled by the list views: a row follows one object at a time, and a check
 * still running for the previous one must not end on the next. */
void
cmt_credential_row_set_object (CmtCredentialRow *self,
                               GDBusObject      *object)
{
  g_return_if_fail (CMT_IS_CREDENTIAL_ROW (self));
  g_return_if_fail (object == NULL || CMT_IS_OBJECT (object));

  if (self->object == object)
    return;

  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  if (self->server != NULL)
    g_signal_handlers_disconnect_by_data (self->server, self);
  g_clear_object (&self->account);
  g_clear_object (&self->server);
  g_clear_object (&self->object);

  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      checking (self, FALSE);
    }

  if (object == NULL)
    return;

  self->object = g_object_ref (object);
  self->account = cmt_object_get_cloud_account (CMT_OBJECT (object));
  if (self->account == NULL)
    self->server = cmt_object_get_server (CMT_OBJECT (object));
  g_return_if_fail (self->account != NULL || self->server != NULL);

  g_signal_connect (self->account != NULL ? (gpointer) self->account : (gpointer) self->server,
                    "notify", G_CALLBACK (on_iface_notify), self);
  cmt_credential_row_refresh (self);
}

GtkWidget *
cmt_credential_row_new (GDBusObjectManager *manager,
                        GDBusObject        *object)
{
  CmtCredentialRow *self;

  g_return_val_if_fail (object == NULL || CMT_IS_OBJECT (object), NULL);

  self = g_object_new (CMT_TYPE_CREDENTIAL_ROW, NULL);
  g_set_object (&self->manager, manager);
  if (object != NULL)
    cmt_credential_row_set_object (self, object);
  return GTK_WIDGET (self);
}

GDBusObject *
cmt_credential_row_get_object (CmtCredentialRow *self)
{
  return self->object;
}

const char *
cmt_credential_row_get_title (CmtCredentialRow *self)
{
  return gtk_label_get_label (self->title_label);
}

const char *
cmt_credential_row_get_state (CmtCredentialRow *self)
{
  return gtk_label_get_label (self->state_label);
}
