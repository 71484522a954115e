/* cmt-add-connection-dialog.c: the pages that add a server, a cloud account and their connection */
#include <glib/gi18n.h>

#include "cmt-account-form.h"
#include "cmt-add-connection-dialog-private.h"
#include "cmt-date-row.h"
#include "cmt-error.h"
#include "cmt-expiry.h"
#include "cmt-flows.h"
#include "cmt-names.h"
#include "cmt-renew-dialog-private.h"
#include "cmt-url.h"


struct _CmtAddConnectionDialog
{
  AdwWindow           parent_instance;

  GDBusObjectManager *manager;
  GCancellable       *cancellable;
  GPtrArray          *history;
  gboolean            busy;

  char               *server_path;
  char               *account_path;
  char               *connection_path;
  /* Added by this dialog: forgotten again if it closes before the end. */
  char               *created_server_path;
  char               *created_account_path;

  GtkCheckButton     *new_server_check;
  GtkCheckButton     *new_account_check;

  AdwToastOverlay    *toast_overlay;
  AdwWindowTitle     *window_title;
  GtkWidget          *back_button;
  GtkWidget          *close_button;
  GtkStack           *stack;

  GtkCheckButton     *jira_check;
  GtkCheckButton     *confluence_check;

  GtkWidget          *server_box;
  GtkLabel           *server_title_label;
  GtkWidget          *servers_group;
  GtkListBox         *servers_list;
  GtkRevealer        *new_server_revealer;
  AdwEntryRow        *url_row;
  AdwComboRow        *auth_row;
  AdwEntryRow        *username_row;
  AdwEntryRow        *secret_row;
  CmtDateRow         *secret_expiry_row;
  GtkLabel           *server_error_label;

  GtkWidget          *cloud_box;
  AdwEntryRow        *site_row;
  GtkLabel           *site_error_label;
  gboolean            site_taken;       /* the chosen server has a connection to this site */
  GtkWidget          *accounts_group;
  GtkListBox         *accounts_list;
  GtkRevealer        *new_account_revealer;
  CmtAccountForm     *account_form;

  GtkWidget          *renewed_box;
  GtkLabel           *renewed_body_label;
  GtkCheckButton     *renewed_unknown_check;
  GtkCheckButton     *renewed_known_check;
  CmtDateRow         *renewed_date_row;
  GtkLabel           *add_error_label;

  AdwStatusPage      *done_status;

  GtkWidget          *renew_now_button;
  GtkWidget          *spinner;
  GtkWidget          *next_button;
  GtkWidget          *add_button;
  GtkWidget          *done_button;
};

enum {
  PROP_0,
  PROP_MANAGER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CmtAddConnectionDialog, cmt_add_connection_dialog, ADW_TYPE_WINDOW)

static void update_buttons (CmtAddConnectionDialog *self);

static CmtObject *
lookup_object (CmtAddConnectionDialog *self,
               const char             *path)
{
  GDBusObject *object;

  if (path == NULL || !g_variant_is_object_path (path))
    return NULL;
  object = g_dbus_object_manager_get_object (self->manager, path);
  if (object != NULL && !CMT_IS_OBJECT (object))
    g_clear_object (&object);
  return (CmtObject *) object;
}

static CmtManager *
lookup_manager (CmtAddConnectionDialog *self)
{
  g_autoptr(CmtObject) object = lookup_object (self, CMT_MANAGER_PATH);

  return object != NULL ? cmt_object_get_manager (object) : NULL;
}

static const char *
get_product (CmtAddConnectionDialog *self)
{
  return gtk_check_button_get_active (self->confluence_check) ? "confluence" : "jira";
}

static gboolean
auth_is_basic (CmtAddConnectionDialog *self)
{
  return adw_combo_row_get_selected (self->auth_row) == 1;
}

static char *
dup_trimmed (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
toast (CmtAddConnectionDialog *self,
       const char             *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* Radio rows, one per stored object, plus one for a new one. */

static GtkCheckButton *
add_choice (GtkListBox     *list,
            GtkCheckButton *group,
            const char     *title,
            const char     *subtitle,
            const char     *path,
            GCallback       on_toggled,
            gpointer        data)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  cmt_flows_set_accessible_label (check, title);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  if (group != NULL)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
  g_object_set_data_full (G_OBJECT (check), "cmt-path", g_strdup (path), g_free);
  g_signal_connect_swapped (check, "notify::active", on_toggled, data);
  gtk_list_box_append (list, row);
  return GTK_CHECK_BUTTON (check);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* The path of the checked row, or NULL when "new" is checked (or nothing). */
static const char *
get_chosen_path (GtkListBox *list)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = ADW_IS_ACTION_ROW (row) ? adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)) : NULL;

      if (check != NULL && gtk_check_button_get_active (GTK_CHECK_BUTTON (check)))
        return g_object_get_data (G_OBJECT (check), "cmt-path");
    }
  return NULL;
}

static void
select_path (GtkListBox *list,
             const char *path)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = ADW_IS_ACTION_ROW (row) ? adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)) : NULL;

      if (check != NULL && g_strcmp0 (g_object_get_data (G_OBJECT (check), "cmt-path"), path) == 0)
        gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
    }
}

/* Errors next to the field they are about. */

/* Says @error under @field and marks the field, without moving the focus
 * (the admin may be typing in it). */
static void
mark_field_error (GtkLabel     *label,
                  GtkWidget    *field,
                  const GError *error)
{
  gtk_label_set_text (label, error->message);
  gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
  if (field != NULL)
    {
      gtk_widget_add_css_class (field, "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (field),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error->message, -1);
    }
}

static void
show_field_error (GtkLabel     *label,
                  GtkWidget    *field,
                  const GError *error)
{
  mark_field_error (label, field, error);
  if (field != NULL)
    gtk_widget_grab_focus (field);
}

static void
clear_field_error (GtkLabel  *label,
                   GtkWidget *field)
{
  gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
  gtk_widget_remove_css_class (field, "error");
  gtk_accessible_reset_property (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

static void
clear_server_errors (CmtAddConnectionDialog *self)
{
  clear_field_error (self->server_error_label, GTK_WIDGET (self->url_row));
  gtk_widget_remove_css_class (GTK_WIDGET (self->username_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->secret_row), "error");
  gtk_accessible_reset_property (GTK_ACCESSIBLE (self->secret_row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

/* The server page. */

static void
on_server_choice_toggled (CmtAddConnectionDialog *self)
{
  gtk_revealer_set_reveal_child (self->new_server_revealer,
                                 get_chosen_path (self->servers_list) == NULL);
  update_buttons (self);
}

static void
fill_server_page (CmtAddConnectionDialog *self)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->manager);
  const char *product = get_product (self);
  guint n = 0;

  gtk_label_set_text (self->server_title_label,
                      cmt_flows_product_is_jira (product) ? _("Jira Server") : _("Confluence Server"));

  clear_list (self->servers_list);
  self->new_server_check = add_choice (self->servers_list, NULL, _("Add a new server"), NULL, NULL,
                                       G_CALLBACK (on_server_choice_toggled), self);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      g_autoptr(CmtServer) server = CMT_IS_OBJECT (l->data) ? cmt_object_get_server (CMT_OBJECT (l->data)) : NULL;
      g_autofree char *host = NULL;

      if (server == NULL || g_strcmp0 (cmt_server_get_product (server), product) != 0)
        continue;
      host = cmt_url_display (cmt_server_get_base_url (server));
      add_choice (self->servers_list, self->new_server_check, host, cmt_server_get_base_url (server),
                  g_dbus_object_get_object_path (G_DBUS_OBJECT (l->data)),
                  G_CALLBACK (on_server_choice_toggled), self);
      n++;
    }

  /* "Add a new server" goes last, under the stored ones. */
  {
    GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (self->new_server_check), GTK_TYPE_LIST_BOX_ROW);
    g_object_ref (row);
    gtk_list_box_remove (self->servers_list, row);
    gtk_list_box_append (self->servers_list, row);
    g_object_unref (row);
  }

  gtk_widget_set_visible (self->servers_group, n > 0);
  gtk_check_button_set_active (self->new_server_check, TRUE);
  if (self->server_path != NULL)
    select_path (self->servers_list, self->server_path);
  on_server_choice_toggled (self);
}

static void
on_server_field_changed (CmtAddConnectionDialog *self)
{
  clear_server_errors (self);
  update_buttons (self);
}

static void
on_auth_kind_changed (CmtAddConnectionDialog *self)
{
  gboolean basic = auth_is_basic (self);

  gtk_widget_set_visible (GTK_WIDGET (self->username_row), basic);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->secret_row),
                                 basic ? _("Password") : _("Personal access token"));
  on_server_field_changed (self);
}

static void
on_product_changed (CmtAddConnectionDialog *self)
{
  g_autoptr(CmtObject) object = lookup_object (self, self->server_path);
  g_autoptr(CmtServer) server = object != NULL ? cmt_object_get_server (object) : NULL;

  /* A server of the other product cannot stay chosen. */
  if (server != NULL && g_strcmp0 (cmt_server_get_product (server), get_product (self)) != 0)
    g_clear_pointer (&self->server_path, g_free);
}

static gboolean
server_form_complete (CmtAddConnectionDialog *self)
{
  g_autofree char *url = dup_trimmed (self->url_row);
  g_autofree char *username = dup_trimmed (self->username_row);

  return *url != '\0' &&
         *gtk_editable_get_text (GTK_EDITABLE (self->secret_row)) != '\0' &&
         (!auth_is_basic (self) || *username != '\0');
}

/* The stored server with this product and URL, to offer it instead. */
static char *
find_server (CmtAddConnectionDialog *self,
             const char             *product,
             const char             *url)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->manager);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      g_autoptr(CmtServer) server = CMT_IS_OBJECT (l->data) ? cmt_object_get_server (CMT_OBJECT (l->data)) : NULL;

      if (server != NULL && g_strcmp0 (cmt_server_get_product (server), product) == 0 &&
          cmt_flows_same_url (cmt_server_get_base_url (server), url))
        return g_strdup (g_dbus_object_get_object_path (G_DBUS_OBJECT (l->data)));
    }
  return NULL;
}

static void go_to (CmtAddConnectionDialog *self, const char *page);

static void
set_busy (CmtAddConnectionDialog *self,
          gboolean                busy)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  /* Focus leaves the fields before they turn insensitive under it (GTK
   * warns when a focused text field loses its focus that way). */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  self->busy = busy;
  gtk_widget_set_visible (self->spinner, busy);
  gtk_widget_set_sensitive (self->server_box, !busy || g_strcmp0 (page, "server") != 0);
  gtk_widget_set_sensitive (self->cloud_box, !busy || g_strcmp0 (page, "cloud") != 0);
  gtk_widget_set_sensitive (self->renewed_box, !busy || g_strcmp0 (page, "renewed") != 0);
  update_buttons (self);
}

static void
on_add_server_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CmtAddConnectionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gboolean ok = cmt_flows_finish (cmt_manager_call_add_server_finish (CMT_MANAGER (source), &path, result, &error),
                                  &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  set_busy (self, FALSE);

  if (!ok)
    {
      GtkWidget *field = GTK_WIDGET (self->url_row);

      if (g_error_matches (error, CMT_ERROR, CMT_ERROR_SERVER_AUTH_FAILED))
        {
          field = GTK_WIDGET (self->secret_row);
          if (auth_is_basic (self))
            gtk_widget_add_css_class (GTK_WIDGET (self->username_row), "error");
        }
      else if (g_error_matches (error, CMT_ERROR, CMT_ERROR_EXISTS))
        {
          g_autofree char *url = dup_trimmed (self->url_row);
          g_autofree char *existing = find_server (self, get_product (self), url);

          if (existing != NULL)
            {
              /* The server is stored already: pick it rather than fail. */
              g_free (self->server_path);
              self->server_path = g_steal_pointer (&existing);
              gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
              fill_server_page (self);
              toast (self, _("This server is stored already: it is now chosen"));
              return;
            }
        }
      show_field_error (self->server_error_label, field, error);
      return;
    }

  g_free (self->server_path);
  self->server_path = g_steal_pointer (&path);
  g_free (self->created_server_path);
  self->created_server_path = g_strdup (self->server_path);

  /* Stored now, and listed as such: the secret leaves the widgets for good. */
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
  cmt_date_row_set_date (self->secret_expiry_row, NULL);
  clear_server_errors (self);
  go_to (self, "cloud");
}

static void
next_from_server (CmtAddConnectionDialog *self)
{
  const char *chosen = get_chosen_path (self->servers_list);
  g_autoptr(CmtManager) manager = NULL;
  g_autofree char *url = NULL;
  g_autofree char *username = NULL;
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GDateTime *expiry;

  if (chosen != NULL)
    {
      g_free (self->server_path);
      self->server_path = g_strdup (chosen);
      go_to (self, "cloud");
      return;
    }

  manager = lookup_manager (self);
  if (manager == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (CMT_ERROR, CMT_ERROR_FAILED,
                                                     _("The cmatoken service is not running. Try again in a moment."));
      show_field_error (self->server_error_label, NULL, error);
      return;
    }

  url = dup_trimmed (self->url_row);
  username = auth_is_basic (self) ? dup_trimmed (self->username_row) : g_strdup ("");
  expiry = cmt_date_row_get_date (self->secret_expiry_row);
  g_variant_builder_add (&options, "{sv}", "check", g_variant_new_boolean (TRUE));

  clear_server_errors (self);
  set_busy (self, TRUE);
  cmt_flows_prepare_call (manager);
  cmt_manager_call_add_server (manager, get_product (self), url,
                               auth_is_basic (self) ? "basic" : "pat", username,
                               gtk_editable_get_text (GTK_EDITABLE (self->secret_row)),
                               expiry != NULL ? cmt_flows_date_end_of_day (expiry) : (gint64) 0,
                               g_variant_builder_end (&options),
                               self->cancellable, on_add_server_done, g_object_ref (self));
}

/* The cloud page. */

static void
on_account_choice_toggled (CmtAddConnectionDialog *self)
{
  gtk_revealer_set_reveal_child (self->new_account_revealer,
                                 get_chosen_path (self->accounts_list) == NULL);
  update_buttons (self);
}

static void
fill_accounts (CmtAddConnectionDialog *self)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->manager);
  g_autofree char *site = dup_trimmed (self->site_row);
  g_autofree char *chosen = g_strdup (get_chosen_path (self->accounts_list));
  guint n = 0;

  if (chosen == NULL)
    chosen = g_strdup (self->account_path);

  clear_list (self->accounts_list);
  self->new_account_check = add_choice (self->accounts_list, NULL, _("Add a new account"), NULL, NULL,
                                        G_CALLBACK (on_account_choice_toggled), self);
  for (GList *l = objects; l != NULL && *site != '\0'; l = l->next)
    {
      g_autoptr(CmtCloudAccount) account = CMT_IS_OBJECT (l->data) ? cmt_object_get_cloud_account (CMT_OBJECT (l->data)) : NULL;
      const char *name;

      if (account == NULL || !cmt_flows_same_url (cmt_cloud_account_get_site_url (account), site))
        continue;
      name = cmt_cloud_account_get_display_name (account);
      add_choice (self->accounts_list, self->new_account_check,
                  name != NULL && *name != '\0' ? name : cmt_cloud_account_get_email (account),
                  cmt_cloud_account_get_email (account),
                  g_dbus_object_get_object_path (G_DBUS_OBJECT (l->data)),
                  G_CALLBACK (on_account_choice_toggled), self);
      n++;
    }

  {
    GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (self->new_account_check), GTK_TYPE_LIST_BOX_ROW);
    g_object_ref (row);
    gtk_list_box_remove (self->accounts_list, row);
    gtk_list_box_append (self->accounts_list, row);
    g_object_unref (row);
  }

  gtk_widget_set_visible (self->accounts_group, n > 0);
  gtk_check_button_set_active (self->new_account_check, TRUE);
  if (chosen != NULL)
    select_path (self->accounts_list, chosen);
  on_account_choice_toggled (self);
}

/*
 * The service refuses a second connection from one server to one site; the
 * page where the site is typed says so at once, rather than the last step.
 */
static void
check_site_taken (CmtAddConnectionDialog *self)
{
  g_autolist(GDBusObject) objects = NULL;
  g_autofree char *site = dup_trimmed (self->site_row);
  g_autoptr(CmtObject) server_object = lookup_object (self, self->server_path);
  CmtServer *server = server_object != NULL ? cmt_object_peek_server (server_object) : NULL;
  const char *taken = NULL;

  if (server != NULL && *site != '\0')
    {
      objects = g_dbus_object_manager_get_objects (self->manager);
      for (GList *l = objects; l != NULL && taken == NULL; l = l->next)
        {
          CmtConnection *connection = CMT_IS_OBJECT (l->data) ? cmt_object_peek_connection (CMT_OBJECT (l->data)) : NULL;

          if (connection != NULL &&
              g_strcmp0 (cmt_connection_get_server (connection), self->server_path) == 0 &&
              cmt_flows_same_url (cmt_connection_get_cloud_site_url (connection), site))
            taken = cmt_connection_get_cloud_site_url (connection);
        }
    }

  self->site_taken = taken != NULL;
  if (taken != NULL)
    {
      g_autoptr(GError) error = g_error_new (CMT_ERROR, CMT_ERROR_EXISTS,
                                             _("The server %1$s is already connected to %2$s. Renew that connection instead of adding it again."),
                                             cmt_server_get_base_url (server), taken);
      mark_field_error (self->site_error_label, GTK_WIDGET (self->site_row), error);
    }
  else
    clear_field_error (self->site_error_label, GTK_WIDGET (self->site_row));
}

static void
on_site_changed (CmtAddConnectionDialog *self)
{
  check_site_taken (self);
  fill_accounts (self);
}

static void
on_add_account_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CmtAddConnectionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gboolean ok = cmt_flows_finish (cmt_manager_call_add_cloud_account_finish (CMT_MANAGER (source), &path,
                                                                             result, &error),
                                  &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  set_busy (self, FALSE);

  if (!ok)
    {
      cmt_account_form_show_error (self->account_form, error);
      return;
    }

  g_free (self->account_path);
  self->account_path = g_steal_pointer (&path);
  g_free (self->created_account_path);
  self->created_account_path = g_strdup (self->account_path);
  cmt_account_form_clear (self->account_form);
  fill_accounts (self);
  go_to (self, "renewed");
}

static void
next_from_cloud (CmtAddConnectionDialog *self)
{
  const char *chosen = get_chosen_path (self->accounts_list);
  g_autoptr(CmtManager) manager = NULL;
  g_autofree char *site = dup_trimmed (self->site_row);
  g_autofree char *email = NULL;
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (chosen != NULL)
    {
      g_free (self->account_path);
      self->account_path = g_strdup (chosen);
      go_to (self, "renewed");
      return;
    }

  manager = lookup_manager (self);
  if (manager == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (CMT_ERROR, CMT_ERROR_FAILED,
                                                     _("The cmatoken service is not running. Try again in a moment."));
      cmt_account_form_show_error (self->account_form, error);
      return;
    }

  email = g_strstrip (g_strdup (cmt_account_form_get_email (self->account_form)));
  g_variant_builder_add (&options, "{sv}", "check", g_variant_new_boolean (TRUE));
  cmt_account_form_clear_error (self->account_form);
  set_busy (self, TRUE);
  cmt_flows_prepare_call (manager);
  cmt_manager_call_add_cloud_account (manager, email, site,
                                      cmt_account_form_get_api_token (self->account_form),
                                      cmt_account_form_get_expires_at (self->account_form),
                                      g_variant_builder_end (&options),
                                      self->cancellable, on_add_account_done, g_object_ref (self));
}

/* The last-renewal page. */

static gint64
get_lifetime (CmtAddConnectionDialog *self)
{
  g_autoptr(CmtManager) manager = lookup_manager (self);
  gint64 lifetime = manager != NULL ? cmt_manager_get_container_token_lifetime (manager) : 0;

  return lifetime > 0 ? lifetime : (CMT_DEFAULT_LIFETIME_DAYS * CMT_SECONDS_PER_DAY);
}

static char *
dup_server_host (CmtAddConnectionDialog *self)
{
  g_autoptr(CmtObject) object = lookup_object (self, self->server_path);
  g_autoptr(CmtServer) server = object != NULL ? cmt_object_get_server (object) : NULL;

  return server != NULL ? cmt_url_display (cmt_server_get_base_url (server)) : g_strdup (_("the server"));
}

static void
fill_renewed_page (CmtAddConnectionDialog *self)
{
  g_autofree char *host = dup_server_host (self);
  g_autofree char *body = NULL;
  int days = (int) (get_lifetime (self) / CMT_SECONDS_PER_DAY);

  /* Translators: "%1$s" is the server (jira.example.com), "%2$d" the token's
   * lifetime in days. */
  body = g_strdup_printf (g_dngettext (NULL,
                                       "When was the token on %1$s last renewed? cmatoken counts its %2$d day from then.",
                                       "When was the token on %1$s last renewed? cmatoken counts its %2$d days from then.",
                                       days),
                          host, days);
  gtk_label_set_text (self->renewed_body_label, body);
}

static void
on_renewed_date_changed (CmtAddConnectionDialog *self)
{
  if (cmt_date_row_get_date (self->renewed_date_row) != NULL)
    gtk_check_button_set_active (self->renewed_known_check, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->add_error_label), FALSE);
  update_buttons (self);
}

static void
fill_done_page (CmtAddConnectionDialog *self)
{
  g_autoptr(CmtObject) object = lookup_object (self, self->connection_path);
  g_autoptr(CmtConnection) connection = object != NULL ? cmt_object_get_connection (object) : NULL;
  g_autofree char *host = dup_server_host (self);
  g_autofree char *description = NULL;
  gint64 expires_at = connection != NULL ? cmt_connection_get_expires_at (connection) : 0;

  if (expires_at > 0)
    {
      g_autofree char *date = cmt_expiry_format_date (expires_at);
      /* Translators: "%1$s" is the server (jira.example.com), "%2$s" a date. */
      description = g_strdup_printf (_("cmatoken now watches the token on %1$s. It is valid until %2$s."),
                                     host, date);
    }
  else
    /* Translators: "%1$s" is the server, e.g. jira.example.com. */
    description = g_strdup_printf (_("cmatoken now watches the token on %1$s. It starts counting the days at the next renewal: renew the token now to be sure of them."),
                                   host);
  adw_status_page_set_description (self->done_status, description);
}

static void
on_add_connection_done (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(CmtAddConnectionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gboolean ok = cmt_flows_finish (cmt_manager_call_add_connection_finish (CMT_MANAGER (source), &path,
                                                                          result, &error),
                                  &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  set_busy (self, FALSE);

  if (!ok)
    {
      show_field_error (self->add_error_label,
                        gtk_check_button_get_active (self->renewed_known_check)
                        && g_error_matches (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT)
                        ? GTK_WIDGET (self->renewed_date_row) : NULL,
                        error);
      return;
    }
  g_free (self->connection_path);
  self->connection_path = g_steal_pointer (&path);
  /* Everything added is in use now: nothing to forget on close. */
  g_clear_pointer (&self->created_server_path, g_free);
  g_clear_pointer (&self->created_account_path, g_free);
  go_to (self, "done");
}

static void
on_add_clicked (CmtAddConnectionDialog *self)
{
  g_autoptr(CmtManager) manager = lookup_manager (self);
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autofree char *site = dup_trimmed (self->site_row);
  GDateTime *date = cmt_date_row_get_date (self->renewed_date_row);

  if (self->busy || self->server_path == NULL || self->account_path == NULL)
    return;
  if (manager == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (CMT_ERROR, CMT_ERROR_FAILED,
                                                     _("The cmatoken service is not running. Try again in a moment."));
      show_field_error (self->add_error_label, NULL, error);
      return;
    }

  g_variant_builder_add (&options, "{sv}", "check", g_variant_new_boolean (TRUE));
  if (gtk_check_button_get_active (self->renewed_known_check) && date != NULL)
    g_variant_builder_add (&options, "{sv}", "renewed-at",
                           g_variant_new_int64 (cmt_flows_date_renewed_at (date, g_get_real_time () / G_USEC_PER_SEC)));

  gtk_widget_set_visible (GTK_WIDGET (self->add_error_label), FALSE);
  set_busy (self, TRUE);
  cmt_flows_prepare_call (manager);
  cmt_manager_call_add_connection (manager, self->server_path, self->account_path, site,
                                   g_variant_builder_end (&options),
                                   self->cancellable, on_add_connection_done, g_object_ref (self));
}

static void
on_renew_now_clicked (CmtAddConnectionDialog *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  GtkWindow *renew;

  if (self->connection_path == NULL)
    return;
  renew = cmt_renew_dialog_new_for_manager (parent, self->manager, self->connection_path);
  gtk_window_close (GTK_WINDOW (self));
  gtk_window_present (renew);
}

/* Moving between pages. */

static void
update_buttons (CmtAddConnectionDialog *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  gboolean done = g_strcmp0 (page, "done") == 0;
  gboolean last = g_strcmp0 (page, "renewed") == 0;
  gboolean can_go_on = FALSE;

  if (page == NULL)
    return;

  if (g_str_equal (page, "product"))
    can_go_on = TRUE;
  else if (g_str_equal (page, "server"))
    can_go_on = get_chosen_path (self->servers_list) != NULL || server_form_complete (self);
  else if (g_str_equal (page, "cloud"))
    {
      g_autofree char *site = dup_trimmed (self->site_row);
      can_go_on = *site != '\0' && !self->site_taken &&
                  (get_chosen_path (self->accounts_list) != NULL ||
                   cmt_account_form_is_complete (self->account_form));
    }
  else if (last)
    can_go_on = gtk_check_button_get_active (self->renewed_unknown_check) ||
                cmt_date_row_get_date (self->renewed_date_row) != NULL;

  gtk_widget_set_visible (self->next_button, !last && !done);
  gtk_widget_set_visible (self->add_button, last);
  gtk_widget_set_visible (self->done_button, done);
  gtk_widget_set_visible (self->renew_now_button, done);
  gtk_widget_set_sensitive (self->next_button, can_go_on && !self->busy);
  gtk_widget_set_sensitive (self->add_button, can_go_on && !self->busy);

  gtk_widget_set_visible (self->back_button, !done && self->history->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "flow.back",
                                 !done && !self->busy && self->history->len > 0);
  gtk_widget_set_visible (self->close_button, !done);
}

static void
on_page_changed (CmtAddConnectionDialog *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  static const char *steps[] = { "product", "server", "cloud", "renewed" };
  GtkWidget *default_widget = self->next_button;

  if (page == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (g_str_equal (page, steps[i]))
      {
        /* Translators: the dialog's subtitle, e.g. "Step 2 of 4". */
        g_autofree char *subtitle = g_strdup_printf (_("Step %1$u of %2$u"), i + 1,
                                                     (guint) G_N_ELEMENTS (steps));
        adw_window_title_set_subtitle (self->window_title, subtitle);
      }
  if (g_str_equal (page, "done"))
    {
      adw_window_title_set_subtitle (self->window_title, NULL);
      default_widget = self->done_button;
    }
  else if (g_str_equal (page, "renewed"))
    default_widget = self->add_button;

  update_buttons (self);
  gtk_window_set_default_widget (GTK_WINDOW (self), default_widget);

  if (g_str_equal (page, "product"))
    gtk_widget_grab_focus (GTK_WIDGET (gtk_check_button_get_active (self->jira_check)
                                       ? self->jira_check : self->confluence_check));
  else if (g_str_equal (page, "server"))
    gtk_widget_grab_focus (get_chosen_path (self->servers_list) != NULL
                           ? GTK_WIDGET (self->servers_list) : GTK_WIDGET (self->url_row));
  else if (g_str_equal (page, "cloud"))
    {
      g_autofree char *site = dup_trimmed (self->site_row);

      /* The server may have changed since the site was typed. */
      check_site_taken (self);
      if (self->site_taken)
        gtk_widget_grab_focus (GTK_WIDGET (self->site_row));
      else if (*site == '\0')
        gtk_widget_grab_focus (GTK_WIDGET (self->site_row));
      else if (get_chosen_path (self->accounts_list) == NULL)
        cmt_account_form_focus (self->account_form);
    }
  else if (g_str_equal (page, "renewed"))
    gtk_widget_grab_focus (GTK_WIDGET (self->renewed_unknown_check));
  else if (g_str_equal (page, "done"))
    gtk_widget_grab_focus (self->done_button);
}

static void
go_to (CmtAddConnectionDialog *self,
       const char             *page)
{
  const char *current = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (current, page) == 0)
    return;
  if (current != NULL && !g_str_equal (page, "done"))
    g_ptr_array_add (self->history, g_strdup (current));
  if (g_str_equal (page, "server"))
    fill_server_page (self);
  else if (g_str_equal (page, "cloud"))
    fill_accounts (self);
  else if (g_str_equal (page, "renewed"))
    fill_renewed_page (self);
  else if (g_str_equal (page, "done"))
    fill_done_page (self);
  gtk_stack_set_visible_child_name (self->stack, page);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CmtAddConnectionDialog *self = CMT_ADD_CONNECTION_DIALOG (widget);
  g_autofree char *page = NULL;

  if (self->busy || self->history->len == 0)
    return;
  page = g_strdup (g_ptr_array_index (self->history, self->history->len - 1));
  g_ptr_array_set_size (self->history, self->history->len - 1);
  /* What was typed stays; only the lists of stored objects are re-read. */
  if (g_str_equal (page, "server"))
    fill_server_page (self);
  else if (g_str_equal (page, "cloud"))
    fill_accounts (self);
  gtk_stack_set_visible_child_name (self->stack, page);
}

static void
on_next_clicked (CmtAddConnectionDialog *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (self->busy || !gtk_widget_get_sensitive (self->next_button))
    return;
  if (g_strcmp0 (page, "product") == 0)
    go_to (self, "server");
  else if (g_strcmp0 (page, "server") == 0)
    next_from_server (self);
  else if (g_strcmp0 (page, "cloud") == 0)
    next_from_cloud (self);
}

/* Closing before the end forgets what this dialog stored, so that a
 * cancelled dialog leaves nothing half-added behind. */
static gboolean
on_close_request (CmtAddConnectionDialog *self)
{
  const char *paths[] = { self->created_server_path, self->created_account_path };

  if (self->connection_path != NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(CmtObject) object = lookup_object (self, paths[i]);
      GDBusInterface *iface = NULL;

      if (object == NULL)
        continue;
      iface = g_dbus_object_get_interface (G_DBUS_OBJECT (object),
                                           i == 0 ? CMT_SERVER_INTERFACE
                                                  : CMT_CLOUD_ACCOUNT_INTERFACE);
      if (G_IS_DBUS_PROXY (iface))
        g_dbus_proxy_call (G_DBUS_PROXY (iface), "Remove", NULL, G_DBUS_CALL_FLAGS_NONE,
                           -1, NULL, NULL, NULL);
      g_clear_object (&iface);
    }
  return FALSE;
}

/* GObject. */

static void
cmt_add_connection_dialog_constructed (GObject *object)
{
  CmtAddConnectionDialog *self = CMT_ADD_CONNECTION_DIALOG (object);

  G_OBJECT_CLASS (cmt_add_connection_dialog_parent_class)->constructed (object);
  fill_server_page (self);
  fill_accounts (self);
  on_page_changed (self);
}

static void
cmt_add_connection_dialog_dispose (GObject *object)
{
  CmtAddConnectionDialog *self = CMT_ADD_CONNECTION_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CMT_TYPE_ADD_CONNECTION_DIALOG);
  G_OBJECT_CLASS (cmt_add_connection_dialog_parent_class)->dispose (object);
}

static void
cmt_add_connection_dialog_finalize (GObject *object)
{
  CmtAddConnectionDialog *self = CMT_ADD_CONNECTION_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->history, g_ptr_array_unref);
  g_clear_pointer (&self->server_path, g_free);
  g_clear_pointer (&self->account_path, g_free);
  g_clear_pointer (&self->connection_path, g_free);
  g_clear_pointer (&self->created_server_path, g_free);
  g_clear_pointer (&self->created_account_path, g_free);
  G_OBJECT_CLASS (cmt_add_connection_dialog_parent_class)->finalize (object);
}

static void
cmt_add_connection_dialog_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  CmtAddConnectionDialog *self = CMT_ADD_CONNECTION_DIALOG (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      self->manager = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cmt_add_connection_dialog_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  CmtAddConnectionDialog *self = CMT_ADD_CONNECTION_DIALOG (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      g_value_set_object (value, self->manager);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cmt_add_connection_dialog_class_init (CmtAddConnectionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  cmt_flows_ensure_resources ();
  g_type_ensure (CMT_TYPE_ACCOUNT_FORM);
  g_type_ensure (CMT_TYPE_DATE_ROW);

  object_class->constructed = cmt_add_connection_dialog_constructed;
  object_class->dispose = cmt_add_connection_dialog_dispose;
  object_class->finalize = cmt_add_connection_dialog_finalize;
  object_class->set_property = cmt_add_connection_dialog_set_property;
  object_class->get_property = cmt_add_connection_dialog_get_property;

  properties[PROP_MANAGER] =
    g_param_spec_object ("manager", NULL, NULL, G_TYPE_DBUS_OBJECT_MANAGER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cmatoken/flows/cmt-add-connection-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CmtAddConnectionDialog, name)
  BIND (toast_overlay);
  BIND (window_title);
  BIND (back_button);
  BIND (close_button);
  BIND (stack);
  BIND (jira_check);
  BIND (confluence_check);
  BIND (server_box);
  BIND (server_title_label);
  BIND (servers_group);
  BIND (servers_list);
  BIND (new_server_revealer);
  BIND (url_row);
  BIND (auth_row);
  BIND (username_row);
  BIND (secret_row);
  BIND (secret_expiry_row);
  BIND (server_error_label);
  BIND (cloud_box);
  BIND (site_row);
  BIND (site_error_label);
  BIND (accounts_group);
  BIND (accounts_list);
  BIND (new_account_revealer);
  BIND (account_form);
  BIND (renewed_box);
  BIND (renewed_body_label);
  BIND (renewed_unknown_check);
  BIND (renewed_known_check);
  BIND (renewed_date_row);
  BIND (add_error_label);
  BIND (done_status);
  BIND (renew_now_button);
  BIND (spinner);
  BIND (next_button);
  BIND (add_button);
  BIND (done_button);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_product_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_server_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_auth_kind_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_site_changed);
  gtk_widget_class_bind_template_callback (widget_class, update_buttons);
  gtk_widget_class_bind_template_callback (widget_class, on_renewed_date_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_renew_now_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_next_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);

  gtk_widget_class_install_action (widget_class, "flow.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "flow.back", NULL);
}

static void
cmt_add_connection_dialog_init (CmtAddConnectionDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->history = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  cmt_flows_combo_row_show_whole (self->auth_row);
  cmt_flows_ensure_style (GTK_WIDGET (self));
  cmt_flows_name_icon_buttons (GTK_WIDGET (self->secret_row));
  /* Step 1: Enter on the product's radio button goes on to step 2. */
  cmt_flows_enter_activates (GTK_WIDGET (self->jira_check), self->next_button);
  cmt_flows_enter_activates (GTK_WIDGET (self->confluence_check), self->next_button);
  g_signal_connect (self, "close-request", G_CALLBACK (on_close_request), NULL);
}

GtkWindow *
cmt_add_connection_dialog_new_for_manager (GtkWindow          *parent,
                                           GDBusObjectManager *manager)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager), NULL);

  return g_object_new (CMT_TYPE_ADD_CONNECTION_DIALOG,
                       "transient-for", parent,
                       "manager", manager,
                       NULL);
}

GtkWindow *
cmt_add_connection_dialog_new (GtkWindow              *parent,
                               CmtObjectManagerClient *client)
{
  g_return_val_if_fail (CMT_IS_OBJECT_MANAGER_CLIENT (client), NULL);
  return cmt_add_connection_dialog_new_for_manager (parent, G_DBUS_OBJECT_MANAGER (client));
}

/* For the tests. */

const char *
cmt_add_connection_dialog_get_page (CmtAddConnectionDialog *self)
{
  g_return_val_if_fail (CMT_IS_ADD_CONNECTION_DIALOG (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

void
cmt_add_connection_dialog_show_page (CmtAddConnectionDialog *self,
                                     const char             *page)
{
  g_return_if_fail (CMT_IS_ADD_CONNECTION_DIALOG (self));
  go_to (self, page);
}

const char *
cmt_add_connection_dialog_get_server_path (CmtAddConnectionDialog *self)
{
  g_return_val_if_fail (CMT_IS_ADD_CONNECTION_DIALOG (self), NULL);
  return self->server_path;
}

const char *
cmt_add_connection_dialog_get_account_path (CmtAddConnectionDialog *self)
{
  g_return_val_if_fail (CMT_IS_ADD_CONNECTION_DIALOG (self), NULL);
  return self->account_path;
}

const char *
cmt_add_connection_dialog_get_connection_path (CmtAddConnectionDialog *self)
{
  g_return_val_if_fail (CMT_IS_ADD_CONNECTION_DIALOG (self), NULL);
  return self->connection_path;
}
