/* cmt-renew-dialog.c: the renewal flow of one connection (JCMA for Jira, CCMA for Confluence) */
#include <glib/gi18n.h>

#include "cmt-account-form.h"
#include "cmt-error.h"
#include "cmt-expiry.h"
#include "cmt-flows.h"
#include "cmt-manual-steps.h"
#include "cmt-names.h"
#include "cmt-product.h"
#include "cmt-renew-dialog-private.h"
#include "cmt-url.h"


struct _CmtRenewDialog
{
  AdwWindow           parent_instance;

  GDBusObjectManager *manager;
  char               *connection_path;
  CmtConnection      *connection;
  CmtServer          *server;
  /* The account to renew as: the connection's, unless "Change account". */
  char               *account_path;
  /* Cancelled when the window goes: calls still in flight then only unref. */
  GCancellable       *cancellable;
  /* Names of the pages "Back" returns to. */
  GPtrArray          *history;
  /* How far the progress page has got (0, 1, 2): it never goes backwards
   * while the renewal settles (RenewStep empties before the reply comes). */
  guint               progress_step;
  /* A renewal started elsewhere (auto-renew, the CLI) is being followed. */
  gboolean            following;
  gboolean            renew_in_flight;
  /* ExpiresAt before "I've renewed it", to tell whether it has moved. */
  gint64              expires_before;

  AdwToastOverlay    *toast_overlay;
  AdwWindowTitle     *window_title;
  GtkWidget          *back_button;
  GtkWidget          *close_button;
  GtkStack           *stack;

  GtkLabel           *how_body_label;
  AdwActionRow       *how_server_row;
  AdwActionRow       *how_site_row;
  AdwActionRow       *how_token_row;
  GtkWidget          *connect_button;

  GtkLabel           *site_body_label;
  AdwComboRow        *site_row;
  GtkStringList      *site_model;
  GtkWidget          *choose_site_button;

  AdwAvatar          *account_avatar;
  GtkLabel           *account_body_label;
  AdwActionRow       *account_row;
  GtkLabel           *account_warning_label;
  GtkWidget          *continue_button;
  GtkWidget          *change_account_button;

  GtkLabel           *change_body_label;
  GtkListBox         *accounts_list;
  GtkRevealer        *new_account_revealer;
  CmtAccountForm     *new_account_form;
  GtkWidget          *use_account_spinner;
  GtkWidget          *use_account_button;
  GtkCheckButton     *new_account_check;

  GtkLabel           *replace_body_label;
  CmtAccountForm     *replace_form;
  GtkWidget          *replace_spinner;
  GtkWidget          *replace_button;

  GtkLabel           *consent_body_label;
  GtkCheckButton     *consent_check;
  GtkWidget          *confirm_button;

  GtkWidget          *progress_spinner;
  AdwActionRow       *step1_row;
  AdwActionRow       *step2_row;
  GtkStack           *step1_state;
  GtkStack           *step2_state;
  GtkButton          *cancel_renew_button;

  AdwStatusPage      *success_status;
  GtkWidget          *done_button;

  AdwStatusPage      *error_status;
  GtkLabel           *error_message_label;
  GtkWidget          *error_manual_button;
  GtkWidget          *error_other_account_button;
  GtkWidget          *error_retry_button;
  GtkWidget          *error_replace_button;
  GtkWidget          *error_consent_button;

  GtkLabel           *manual_body_label;
  AdwActionRow       *manual_open_row;
  GtkListBox         *manual_steps_list;
  GtkLabel           *manual_tip_label;
  GtkWidget          *renewed_spinner;
  GtkWidget          *renewed_button;
};

enum {
  PROP_0,
  PROP_MANAGER,
  PROP_CONNECTION_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CmtRenewDialog, cmt_renew_dialog, ADW_TYPE_WINDOW)

/* The objects the flow reads. */

static CmtObject *
lookup_object (CmtRenewDialog *self,
               const char     *path)
{
  GDBusObject *object;

  if (path == NULL || !g_variant_is_object_path (path))
    return NULL;
  object = g_dbus_object_manager_get_object (self->manager, path);
  if (object != NULL && !CMT_IS_OBJECT (object))
    g_clear_object (&object);
  return (CmtObject *) object;
}

static CmtCloudAccount *
lookup_account (CmtRenewDialog *self,
                const char     *path)
{
  g_autoptr(CmtObject) object = lookup_object (self, path);

  return object != NULL ? cmt_object_get_cloud_account (object) : NULL;
}

static CmtManager *
lookup_manager (CmtRenewDialog *self)
{
  g_autoptr(CmtObject) object = lookup_object (self, CMT_MANAGER_PATH);

  return object != NULL ? cmt_object_get_manager (object) : NULL;
}

static gint64
get_lifetime (CmtRenewDialog *self)
{
  g_autoptr(CmtManager) manager = lookup_manager (self);
  gint64 lifetime = manager != NULL ? cmt_manager_get_container_token_lifetime (manager) : 0;

  return lifetime > 0 ? lifetime : (CMT_DEFAULT_LIFETIME_DAYS * CMT_SECONDS_PER_DAY);
}

static gint64
get_warn_before (CmtRenewDialog *self)
{
  g_autoptr(CmtManager) manager = lookup_manager (self);

  return manager != NULL ? cmt_manager_get_warn_before (manager) : 0;
}

static gint64
get_credential_warn_before (CmtRenewDialog *self)
{
  g_autoptr(CmtManager) manager = lookup_manager (self);
  gint64 warn = manager != NULL ? cmt_manager_get_credential_warn_before (manager) : 0;

  return warn > 0 ? warn : (CMT_DEFAULT_CREDENTIAL_WARN_DAYS * CMT_SECONDS_PER_DAY);
}

static const char *
get_product (CmtRenewDialog *self)
{
  const char *product = cmt_connection_get_product (self->connection);

  if ((product == NULL || *product == '\0') && self->server != NULL)
    product = cmt_server_get_product (self->server);
  return product;
}

/* "jira.example.com": how the server is named on every page. */
static char *
dup_server_host (CmtRenewDialog *self)
{
  const char *base_url = self->server != NULL ? cmt_server_get_base_url (self->server) : NULL;

  if (base_url == NULL || *base_url == '\0')
    /* Translators: stands for a server whose address is not known. */
    return g_strdup (_("the server"));
  return cmt_url_display (base_url);
}

static char *
dup_site_host (CmtRenewDialog *self)
{
  const char *site = cmt_connection_get_cloud_site_url (self->connection);

  return cmt_url_display (site != NULL ? site : "");
}

static char *
dup_account_label (CmtCloudAccount *account)
{
  const char *name = cmt_cloud_account_get_display_name (account);
  const char *email = cmt_cloud_account_get_email (account);

  return g_strdup (name != NULL && *name != '\0' ? name : email);
}

static char *
dup_account_details (CmtRenewDialog  *self,
                     CmtCloudAccount *account)
{
  g_autofree char *state = NULL;
  CmtStatus status = cmt_status_from_string (cmt_cloud_account_get_status (account));

  if (status == CMT_STATUS_INVALID)
    state = g_strdup (_("API token refused at the last check"));
  else
    state = cmt_expiry_describe (CMT_EXPIRY_CREDENTIAL,
                                 cmt_cloud_account_get_token_expires_at (account),
                                 get_credential_warn_before (self),
                                 g_get_real_time () / G_USEC_PER_SEC);
  /* Translators: a cloud account's details: "%1$s" its email, "%2$s" the
   * state of its API token, e.g. "Valid until 12 December". */
  return g_strdup_printf (_("%1$s · API token: %2$s"),
                          cmt_cloud_account_get_email (account), state);
}

/* Filling the pages in. */

static void
fill_how_page (CmtRenewDialog *self)
{
  const char *product = get_product (self);
  g_autofree char *host = dup_server_host (self);
  g_autofree char *site = dup_site_host (self);
  g_autofree char *body = NULL;
  g_autofree char *server_title = NULL;
  g_autofree char *token_state = NULL;
  gint64 lifetime = get_lifetime (self);
  int days = (int) (lifetime / CMT_SECONDS_PER_DAY);

  /* Translators: "%1$s" is the server (jira.example.com), "%2$s" the assistant
   * by the name the window's title gives it (JCMA or CCMA: one name for it on
   * a screen), "%3$s" the cloud site (acme.atlassian.net), "%4$d" the
   * token's lifetime in days. */
  body = g_markup_printf_escaped (g_dngettext (NULL,
                                               "A new token, valid for %4$d day, is created at Atlassian with your cloud admin account and saved on <b>%1$s</b>, so that %2$s stays connected to <b>%3$s</b>.",
                                               "A new token, valid for %4$d days, is created at Atlassian with your cloud admin account and saved on <b>%1$s</b>, so that %2$s stays connected to <b>%3$s</b>.",
                                               days),
                                  host, cmt_assistant_short_name (product), site, days);
  gtk_label_set_markup (self->how_body_label, body);

  /* Translators: the title of the server row: "%s" is Jira or Confluence. */
  server_title = g_strdup_printf (_("%s server"), cmt_product_name (product));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->how_server_row), server_title);
  adw_action_row_set_subtitle (self->how_server_row, host);
  adw_action_row_set_subtitle (self->how_site_row, site);

  token_state = cmt_expiry_describe (CMT_EXPIRY_CONTAINER_TOKEN,
                                     cmt_connection_get_expires_at (self->connection),
                                     get_warn_before (self),
                                     g_get_real_time () / G_USEC_PER_SEC);
  adw_action_row_set_subtitle (self->how_token_row, token_state);
}

static void
fill_site_page (CmtRenewDialog *self)
{
  g_autofree char *host = dup_server_host (self);
  g_autofree char *site = dup_site_host (self);
  g_autofree char *body = NULL;
  const char *site_url = cmt_connection_get_cloud_site_url (self->connection);

  /* Translators: "%1$s" is the server, e.g. jira.example.com. */
  body = g_strdup_printf (_("The token connects %1$s to this cloud site, the one the connection was set up with."),
                          host);
  gtk_label_set_text (self->site_body_label, body);

  /* The connection belongs to one site: it is the only choice, and chosen. */
  gtk_string_list_splice (self->site_model, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->site_model)), NULL);
  gtk_string_list_append (self->site_model, site);
  adw_combo_row_set_selected (self->site_row, 0);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->site_row), site_url);
}

static gboolean
server_credential_refused (CmtRenewDialog *self)
{
  g_autoptr(CmtObject) object = NULL;
  g_autoptr(CmtServer) server = NULL;
  CmtStatus status;

  if (self->connection == NULL)
    return FALSE;
  object = lookup_object (self, cmt_connection_get_server (self->connection));
  server = object != NULL ? cmt_object_get_server (object) : NULL;
  if (server == NULL)
    return FALSE;
  status = cmt_status_from_string (cmt_server_get_status (server));
  return status == CMT_STATUS_INVALID || status == CMT_STATUS_EXPIRED;
}

static void
fill_account_page (CmtRenewDialog *self)
{
  g_autoptr(CmtCloudAccount) account = lookup_account (self, self->account_path);
  g_autofree char *site = dup_site_host (self);
  g_autofree char *body = NULL;
  CmtStatus status;

  /* Translators: "%1$s" is the cloud site, e.g. acme.atlassian.net. */
  body = g_strdup_printf (_("The token is created with this Atlassian account, an admin of %1$s. Continue as this account, or change to another one."),
                          site);
  gtk_label_set_text (self->account_body_label, body);

  if (account == NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->account_row),
                                     _("No account stored for this site"));
      adw_action_row_set_subtitle (self->account_row, _("Change account to pick or add one."));
      adw_avatar_set_text (self->account_avatar, NULL);
      gtk_widget_set_sensitive (self->continue_button, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->account_warning_label), FALSE);
      return;
    }

  {
    g_autofree char *label = dup_account_label (account);
    g_autofree char *details = dup_account_details (self, account);

    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->account_row), label);
    adw_action_row_set_subtitle (self->account_row, details);
    adw_avatar_set_text (self->account_avatar, label);
  }
  gtk_widget_set_sensitive (self->continue_button, TRUE);

  status = cmt_status_from_string (cmt_cloud_account_get_status (account));
  if (status == CMT_STATUS_INVALID || status == CMT_STATUS_EXPIRED)
    {
      gtk_label_set_text (self->account_warning_label,
                          _("Atlassian may refuse this account’s API token: it was refused or had expired at the last check. Change account, or continue to try it anyway."));
      gtk_widget_set_visible (GTK_WIDGET (self->account_warning_label), TRUE);
    }
  else if (server_credential_refused (self))
    {
      /* The second step saves the token with the server's credential. */
      gtk_label_set_text (self->account_warning_label,
                          _("The server may refuse its stored credential: it was refused or had expired at the last check. Replace it under Servers first, or continue to try it anyway."));
      gtk_widget_set_visible (GTK_WIDGET (self->account_warning_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->account_warning_label), FALSE);
}

static void update_change_account_page (CmtRenewDialog *self);

static GtkWidget *
add_account_choice (CmtRenewDialog *self,
                    const char     *title,
                    const char     *subtitle,
                    const char     *path)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  cmt_flows_set_accessible_label (check, title);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  if (self->new_account_check != NULL)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check), self->new_account_check);
  g_object_set_data_full (G_OBJECT (check), "cmt-account-path", g_strdup (path), g_free);
  g_signal_connect_swapped (check, "notify::active", G_CALLBACK (update_change_account_page), self);
  gtk_list_box_append (self->accounts_list, row);
  return check;
}

static void
fill_change_account_page (CmtRenewDialog *self)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->manager);
  const char *site_url = cmt_connection_get_cloud_site_url (self->connection);
  g_autofree char *site = dup_site_host (self);
  g_autofree char *body = NULL;
  GtkWidget *child;
  gboolean selected = FALSE;

  /* Translators: "%1$s" is the cloud site, e.g. acme.atlassian.net. */
  body = g_strdup_printf (_("Renew as another admin of %1$s: one stored here, or a new one."), site);
  gtk_label_set_text (self->change_body_label, body);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->accounts_list))) != NULL)
    gtk_list_box_remove (self->accounts_list, child);
  self->new_account_check = NULL;

  /* The new-account choice first so that the others join its group; it is
   * moved to the end below. */
  {
    GtkWidget *check = add_account_choice (self, _("Add another account"),
                                           _("Email address and API token"), NULL);
    self->new_account_check = GTK_CHECK_BUTTON (check);
  }

  for (GList *l = objects; l != NULL; l = l->next)
    {
      g_autoptr(CmtCloudAccount) account = NULL;
      g_autofree char *label = NULL;
      g_autofree char *details = NULL;
      GtkWidget *check;

      if (!CMT_IS_OBJECT (l->data))
        continue;
      account = cmt_object_get_cloud_account (CMT_OBJECT (l->data));
      if (account == NULL ||
          !cmt_flows_same_url (cmt_cloud_account_get_site_url (account), site_url))
        continue;
      label = dup_account_label (account);
      details = dup_account_details (self, account);
      check = add_account_choice (self, label, details,
                                  g_dbus_object_get_object_path (G_DBUS_OBJECT (l->data)));
      if (g_strcmp0 (g_dbus_object_get_object_path (G_DBUS_OBJECT (l->data)), self->account_path) == 0)
        {
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
          selected = TRUE;
        }
    }

  {
    GtkWidget *new_row = gtk_widget_get_ancestor (GTK_WIDGET (self->new_account_check),
                                                  GTK_TYPE_LIST_BOX_ROW);
    g_object_ref (new_row);
    gtk_list_box_remove (self->accounts_list, new_row);
    gtk_list_box_append (self->accounts_list, new_row);
    g_object_unref (new_row);
  }

  if (!selected)
    gtk_check_button_set_active (self->new_account_check, TRUE);
  update_change_account_page (self);
}

static const char *
get_chosen_account_path (CmtRenewDialog *self,
                         gboolean       *is_new)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->accounts_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = ADW_IS_ACTION_ROW (row) ? adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)) : NULL;

      if (check == NULL || !gtk_check_button_get_active (GTK_CHECK_BUTTON (check)))
        continue;
      *is_new = GTK_CHECK_BUTTON (check) == self->new_account_check;
      return g_object_get_data (G_OBJECT (check), "cmt-account-path");
    }
  *is_new = FALSE;
  return NULL;
}

static void
update_change_account_page (CmtRenewDialog *self)
{
  gboolean is_new = FALSE;
  const char *path = get_chosen_account_path (self, &is_new);
  gboolean busy = gtk_widget_get_visible (self->use_account_spinner);

  gtk_revealer_set_reveal_child (self->new_account_revealer, is_new);
  gtk_widget_set_sensitive (self->use_account_button,
                            !busy && (is_new ? cmt_account_form_is_complete (self->new_account_form)
                                             : path != NULL));
}

static void
fill_replace_page (CmtRenewDialog *self)
{
  g_autoptr(CmtCloudAccount) account = lookup_account (self, self->account_path);
  const char *email = account != NULL ? cmt_cloud_account_get_email (account) : "";
  g_autofree char *body = NULL;

  /* Translators: "%1$s" is the email of an Atlassian account. */
  body = g_strdup_printf (_("Create a new API token for %1$s at Atlassian and paste it here. The old token stays stored until the new one is checked."),
                          email);
  gtk_label_set_text (self->replace_body_label, body);
  cmt_account_form_set_fixed_email (self->replace_form, email);
  gtk_widget_set_sensitive (self->replace_button, cmt_account_form_is_complete (self->replace_form));
}

static void
update_replace_page (CmtRenewDialog *self)
{
  gtk_widget_set_sensitive (self->replace_button,
                            !gtk_widget_get_visible (self->replace_spinner) &&
                            cmt_account_form_is_complete (self->replace_form));
}

static void
fill_consent_page (CmtRenewDialog *self)
{
  g_autoptr(CmtCloudAccount) account = lookup_account (self, self->account_path);
  g_autofree char *host = dup_server_host (self);
  g_autofree char *site = dup_site_host (self);
  g_autofree char *body = NULL;

  /* Translators: "%1$s" is the email of the Atlassian account, "%2$s" the
   * cloud site (acme.atlassian.net), "%3$s" the server (jira.example.com). */
  body = g_markup_printf_escaped (_("cmatoken asks Atlassian for a new token as <b>%1$s</b> for <b>%2$s</b>, and saves it on <b>%3$s</b>."),
                                  account != NULL ? cmt_cloud_account_get_email (account) : "",
                                  site, host);
  gtk_label_set_markup (self->consent_body_label, body);
}

static void
update_consent_page (CmtRenewDialog *self)
{
  /* Atlassian requires the admin's explicit consent, as its own UI does. */
  gtk_widget_set_sensitive (self->confirm_button,
                            gtk_check_button_get_active (self->consent_check) &&
                            !self->renew_in_flight);
}

static void
set_step_state (GtkStack          *state,
                AdwActionRow      *row,
                CmtRenewStepState  value)
{
  static const char *names[] = { "pending", "active", "done" };
  static const char *descriptions[] = { N_("Not started"), N_("In progress"), N_("Done") };

  gtk_stack_set_visible_child_name (state, names[value]);
  adw_action_row_set_subtitle (row, _(descriptions[value]));
  gtk_widget_set_opacity (GTK_WIDGET (row), value == CMT_RENEW_STEP_PENDING ? 0.6 : 1.0);
}

static void
update_progress (CmtRenewDialog *self)
{
  const char *step = cmt_connection_get_renew_step (self->connection);

  if (g_strcmp0 (step, "save-token") == 0)
    self->progress_step = MAX (self->progress_step, 2);
  else if (g_strcmp0 (step, "create-token") == 0)
    self->progress_step = MAX (self->progress_step, 1);

  set_step_state (self->step1_state, self->step1_row,
                  self->progress_step >= 2 ? CMT_RENEW_STEP_DONE : CMT_RENEW_STEP_ACTIVE);
  /* A finished step says so in words too, not only with its icon. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->step1_row),
                                 self->progress_step >= 2 ? _("Created an auth token at Atlassian")
                                                          : _("Creating an auth token at Atlassian…"));
  set_step_state (self->step2_state, self->step2_row,
                  self->progress_step >= 2 ? CMT_RENEW_STEP_ACTIVE : CMT_RENEW_STEP_PENDING);
}

/* The label changes while the renewal stops; the accessible name follows. */
static void
set_cancel_renew_label (CmtRenewDialog *self,
                        const char     *label,
                        const char     *accessible_label,
                        gboolean        sensitive)
{
  gtk_button_set_label (self->cancel_renew_button, label);
  cmt_flows_set_accessible_label (GTK_WIDGET (self->cancel_renew_button), accessible_label);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_renew_button), sensitive);
}

static void
fill_progress_page (CmtRenewDialog *self)
{
  g_autofree char *host = dup_server_host (self);
  g_autofree char *step2 = NULL;

  /* Translators: a step of the renewal; "%1$s" is the server, e.g. jira.example.com. */
  step2 = g_strdup_printf (_("Saving it on %1$s…"), host);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->step2_row), step2);
  set_cancel_renew_label (self, _("_Cancel"), _("Cancel"), TRUE);
  update_progress (self);
}

static void
fill_manual_page (CmtRenewDialog *self)
{
  const char *product = get_product (self);
  const char *base_url = self->server != NULL ? cmt_server_get_base_url (self->server) : NULL;
  g_autofree char *host = dup_server_host (self);
  g_autofree char *site = dup_site_host (self);
  g_autofree char *body = NULL;
  g_auto(GStrv) steps = cmt_manual_steps_new (product, site);
  GtkWidget *child;

  /* Translators: "%1$s" is Jira or Confluence, "%2$s" the server (jira.example.com). */
  body = g_strdup_printf (_("Follow Atlassian’s steps in %1$s on %2$s, signed in as an administrator. When the token is renewed, come back here and say so."),
                          cmt_product_name (product), host);
  gtk_label_set_text (self->manual_body_label, body);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->manual_open_row),
                                 cmt_flows_product_is_jira (product)
                                 ? _("Jira’s System page")
                                 : _("The Migration Assistant’s home page"));
  if (base_url != NULL && *base_url != '\0')
    {
      g_autofree char *url = cmt_flows_server_page_url (product, base_url);
      adw_action_row_set_subtitle (self->manual_open_row, url);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->manual_open_row), base_url != NULL && *base_url != '\0');

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->manual_steps_list))) != NULL)
    gtk_list_box_remove (self->manual_steps_list, child);

  for (guint i = 0; steps[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *number = gtk_label_new (NULL);
      g_autofree char *text = g_strdup_printf ("%u", i + 1);
      g_autofree char *plain = NULL;
      g_autofree char *name = NULL;

      gtk_label_set_text (GTK_LABEL (number), text);
      gtk_widget_add_css_class (number, "cmt-step-number");
      gtk_widget_set_valign (number, GTK_ALIGN_CENTER);
      gtk_accessible_update_state (GTK_ACCESSIBLE (number),
                                   GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), number);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), TRUE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), steps[i]);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      g_object_set_data_full (G_OBJECT (row), "cmt-step", g_strdup (steps[i]), g_free);

      pango_parse_markup (steps[i], -1, 0, NULL, &plain, NULL, NULL);
      /* Translators: how a screen reader names a step: "%1$u" its number,
       * "%2$s" its text. */
      name = g_strdup_printf (_("Step %1$u: %2$s"), i + 1, plain != NULL ? plain : steps[i]);
      cmt_flows_set_accessible_label (row, name);
      gtk_list_box_append (self->manual_steps_list, row);
    }

  gtk_widget_set_visible (self->renewed_spinner, FALSE);
  gtk_widget_set_sensitive (self->renewed_button, TRUE);
}

static void
fill_header (CmtRenewDialog *self)
{
  const char *product = get_product (self);
  g_autofree char *host = dup_server_host (self);
  g_autofree char *subtitle = NULL;
  g_autofree char *title = NULL;

  /* Translators: the window title; "%1$s" is JCMA or CCMA. */
  title = g_strdup_printf (_("Renew the %1$s Token"), cmt_assistant_short_name (product));
  /* Translators: the window subtitle: "%1$s" is the server, "%2$s" the cloud site. */
  {
    g_autofree char *site = dup_site_host (self);
    subtitle = g_strdup_printf (_("%1$s → %2$s"), host, site);
  }
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

/* Moving between pages. */

static GtkWidget *
page_default_widget (CmtRenewDialog *self,
                     const char     *page)
{
  if (g_str_equal (page, "how"))
    return self->connect_button;
  if (g_str_equal (page, "site"))
    return self->choose_site_button;
  if (g_str_equal (page, "account"))
    return self->continue_button;
  if (g_str_equal (page, "change-account"))
    return self->use_account_button;
  if (g_str_equal (page, "replace-token"))
    return self->replace_button;
  if (g_str_equal (page, "consent"))
    return self->confirm_button;
  if (g_str_equal (page, "success"))
    return self->done_button;
  if (g_str_equal (page, "error"))
    {
      GtkWidget *actions[] = {
        self->error_retry_button, self->error_replace_button, self->error_consent_button,
        self->error_manual_button, self->error_other_account_button,
      };

      /* The page's main way on; never the selectable message (focus would
       * select all of its text). */
      for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
        if (gtk_widget_get_visible (actions[i]))
          return actions[i];
      return NULL;
    }
  /* Enter must not cancel a renewal or claim a manual one by accident. */
  return NULL;
}

static void
on_page_changed (CmtRenewDialog *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  gboolean working = g_strcmp0 (page, "progress") == 0;
  gboolean finished = g_strcmp0 (page, "success") == 0;
  GtkWidget *focus;

  if (page == NULL)
    return;

  gtk_widget_set_visible (self->back_button, !working && !finished && self->history->len > 0);
  gtk_widget_set_visible (self->close_button, !working && !finished);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "flow.back",
                                 !working && !finished && self->history->len > 0);

  focus = page_default_widget (self, page);
  gtk_window_set_default_widget (GTK_WINDOW (self), focus);
  if (g_str_equal (page, "consent"))
    focus = GTK_WIDGET (self->consent_check);
  else if (g_str_equal (page, "change-account") && gtk_revealer_get_reveal_child (self->new_account_revealer))
    {
      cmt_account_form_focus (self->new_account_form);
      focus = NULL;
    }
  else if (g_str_equal (page, "replace-token"))
    {
      cmt_account_form_focus (self->replace_form);
      focus = NULL;
    }
  else if (g_str_equal (page, "progress"))
    focus = GTK_WIDGET (self->cancel_renew_button);
  else if (g_str_equal (page, "manual"))
    focus = self->renewed_button;
  if (focus != NULL && gtk_widget_get_sensitive (focus))
    gtk_widget_grab_focus (focus);
  /* The stack focuses the first focusable widget of the new page, which may
   * be the (selectable) message: selected all, it would look highlighted. */
  if (g_str_equal (page, "error"))
    gtk_label_select_region (self->error_message_label, 0, 0);
}

static void
fill_page (CmtRenewDialog *self,
           const char     *page)
{
  if (g_str_equal (page, "how"))
    fill_how_page (self);
  else if (g_str_equal (page, "site"))
    fill_site_page (self);
  else if (g_str_equal (page, "account"))
    fill_account_page (self);
  else if (g_str_equal (page, "change-account"))
    fill_change_account_page (self);
  else if (g_str_equal (page, "replace-token"))
    fill_replace_page (self);
  else if (g_str_equal (page, "consent"))
    fill_consent_page (self);
  else if (g_str_equal (page, "progress"))
    fill_progress_page (self);
  else if (g_str_equal (page, "manual"))
    fill_manual_page (self);
}

/* Pages that are results of an action are not steps "Back" returns to. */
static gboolean
page_is_step (const char *page)
{
  return page != NULL &&
         !g_str_equal (page, "progress") &&
         !g_str_equal (page, "success") &&
         !g_str_equal (page, "error");
}

static void
go_to (CmtRenewDialog *self,
       const char     *page)
{
  const char *current = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (current, page) == 0)
    return;
  /* From a result page, "Back" still leads to the last step before it. */
  if (page_is_step (current) && page_is_step (page))
    g_ptr_array_add (self->history, g_strdup (current));
  fill_page (self, page);
  gtk_stack_set_visible_child_name (self->stack, page);
}

/* Returns to @page, dropping the history from its last visit on (if it
 * was visited: the page a result came from is not in the history). */
static void
go_back_to (CmtRenewDialog *self,
            const char     *page)
{
  for (guint i = self->history->len; i > 0; i--)
    {
      if (g_str_equal (g_ptr_array_index (self->history, i - 1), page))
        {
          g_ptr_array_set_size (self->history, i - 1);
          break;
        }
    }
  fill_page (self, page);
  gtk_stack_set_visible_child_name (self->stack, page);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CmtRenewDialog *self = CMT_RENEW_DIALOG (widget);
  g_autofree char *page = NULL;

  if (self->history->len == 0)
    return;
  page = g_strdup (g_ptr_array_index (self->history, self->history->len - 1));
  go_back_to (self, page);
}

static void
manual_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  go_to (CMT_RENEW_DIALOG (widget), "manual");
}

static void
toast (CmtRenewDialog *self,
       const char     *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* The result pages. */

static void
show_success (CmtRenewDialog *self,
              gint64          expires_at,
              gboolean        by_hand)
{
  g_autofree char *host = dup_server_host (self);
  g_autofree char *date = cmt_expiry_format_date (expires_at);
  g_autofree char *description = NULL;

  if (by_hand)
    {
      adw_status_page_set_title (self->success_status, _("Renewal Recorded"));
      /* Translators: "%1$s" is the server (jira.example.com), "%2$s" a date. */
      description = g_strdup_printf (_("The token on %1$s counts as renewed now: it is valid until %2$s."),
                                     host, date);
    }
  else
    {
      adw_status_page_set_title (self->success_status, _("Token Renewed"));
      /* Translators: "%1$s" is the server (jira.example.com), "%2$s" a date. */
      description = g_strdup_printf (_("The token on %1$s is valid until %2$s."), host, date);
    }
  adw_status_page_set_description (self->success_status, description);
  gtk_stack_set_visible_child_name (self->stack, "success");
}

typedef enum {
  ACTION_RETRY        = 1 << 0,
  ACTION_MANUAL       = 1 << 1,
  ACTION_REPLACE      = 1 << 2,
  ACTION_OTHER        = 1 << 3,
  ACTION_CONSENT      = 1 << 4,
} ErrorActions;

void
cmt_renew_dialog_show_error (CmtRenewDialog *self,
                             const GError   *error)
{
  const char *product;
  g_autofree char *host = NULL;
  g_autofree char *site = NULL;
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;
  const char *icon = "dialog-warning-symbolic";
  ErrorActions actions = ACTION_RETRY;

  g_return_if_fail (CMT_IS_RENEW_DIALOG (self));
  g_return_if_fail (error != NULL);

  product = get_product (self);
  host = dup_server_host (self);
  site = dup_site_host (self);

  if (error->domain != CMT_ERROR)
    {
      title = g_strdup (_("The Service Did Not Answer"));
      text = g_strdup (_("cmatoken’s background service could not be reached or stopped answering. It starts by itself when needed: try again. If it keeps failing, check that cmatokend is installed."));
    }
  else switch ((CmtError) error->code)
    {
    case CMT_ERROR_CLOUD_AUTH_FAILED:
      title = g_strdup (_("Atlassian Refused the API Token"));
      /* Translators: "%1$s" is the cloud site, e.g. acme.atlassian.net. */
      text = g_strdup_printf (_("Atlassian did not accept the account’s API token for %1$s: it may have expired or been revoked, or the account is not an admin of the site. Create a new API token and replace the stored one, or use another admin account."),
                              site);
      actions = ACTION_REPLACE | ACTION_OTHER;
      break;

    case CMT_ERROR_SERVER_AUTH_FAILED:
      {
        gboolean pat = self->server == NULL ||
                       g_strcmp0 (cmt_server_get_auth_kind (self->server), "basic") != 0;
        title = g_strdup (_("The Server Refused the Credential"));
        /* Translators: "%1$s" is the server, e.g. jira.example.com. */
        text = g_strdup_printf (pat ? _("%1$s did not accept the personal access token stored for it: it may have expired or been revoked, or its user is not an administrator. Create a new one on the server, replace it in the Servers list, then try again.")
                                    : _("%1$s did not accept the username and password stored for it: the password may have changed, or the user is not an administrator. Replace them in the Servers list, then try again."),
                                host);
        actions = ACTION_RETRY | ACTION_MANUAL;
      }
      break;

    case CMT_ERROR_TOKEN_REJECTED:
      title = g_strdup (_("The Server Refused the New Token"));
      /* Translators: "%1$s" is the server (jira.example.com), "%2$s" the cloud site. */
      text = g_strdup_printf (_("%1$s did not accept the token Atlassian created. This happens when the token expired on the way, or when the server is connected to a cloud site other than %2$s. Try again; if it fails again, check in the Migration Assistant that the server is connected to %2$s."),
                              host, site);
      actions = ACTION_RETRY | ACTION_MANUAL;
      break;

    case CMT_ERROR_NOT_SUPPORTED:
      title = g_strdup (_("The Migration Assistant Is Too Old"));
      text = g_strdup_printf (cmt_flows_product_is_jira (product)
                              /* Translators: "%1$s" is the server, e.g. jira.example.com. */
                              ? _("The Jira Cloud Migration Assistant on %1$s cannot save a token sent to it, or it is not installed. Update it to version 1.12.5 or later (Manage apps), or renew the token in the browser.")
                              /* Translators: "%1$s" is the server, e.g. confluence.example.com. */
                              : _("The Confluence Cloud Migration Assistant on %1$s cannot save a token sent to it, or it is not installed. Update it to version 3.10.8 or later (Manage apps), or renew the token in the browser."),
                              host);
      actions = ACTION_MANUAL;
      break;

    case CMT_ERROR_NETWORK:
      title = g_strdup (_("Could Not Connect"));
      /* Translators: "%1$s" is the server, e.g. jira.example.com. */
      text = g_strdup_printf (_("cmatoken could not reach Atlassian or %1$s. Check the network connection, and the VPN if the server needs one, then try again."),
                              host);
      icon = "network-offline-symbolic";
      break;

    case CMT_ERROR_KEYRING_LOCKED:
      title = g_strdup (_("The Keyring Is Locked"));
      text = g_strdup (_("The stored credentials are in your keyring, which is locked. Unlock it (for example in Passwords and Keys, or by logging in again), then try again."));
      icon = "system-lock-screen-symbolic";
      break;

    case CMT_ERROR_KEYRING_UNAVAILABLE:
      title = g_strdup (_("The Keyring Is Not Available"));
      text = g_strdup (_("cmatoken keeps the credentials in the keyring (the Secret Service), which is not running. Start it, or log in to a desktop session that provides it, then try again."));
      icon = "system-lock-screen-symbolic";
      break;

    case CMT_ERROR_CONSENT_REQUIRED:
      title = g_strdup (_("Your Consent Is Needed"));
      text = g_strdup (_("Atlassian creates the token only with your permission to access migrations data. Check “Allow Atlassian to access migrations data” and confirm."));
      actions = ACTION_CONSENT;
      break;

    case CMT_ERROR_CANCELLED:
      /* Cancelling is not a failure: back to where the admin confirmed. */
      go_back_to (self, "consent");
      toast (self, _("Renewal cancelled: nothing changed"));
      return;

    case CMT_ERROR_BUSY:
      title = g_strdup (_("The Connection Is Busy"));
      text = g_strdup (_("Something else is changing this connection right now. Wait a moment, then try again."));
      break;

    case CMT_ERROR_NOT_FOUND:
      title = g_strdup (_("The Connection Is Gone"));
      text = g_strdup (_("This connection, or the server or account it uses, is no longer stored. Close this window; the list shows what is left."));
      actions = 0;
      break;

    case CMT_ERROR_FAILED:
    case CMT_ERROR_INVALID_ARGUMENT:
    case CMT_ERROR_EXISTS:
    case CMT_ERROR_IN_USE:
    default:
      title = g_strdup (_("The Renewal Failed"));
      text = g_strdup (_("The service could not renew the token; its message below says why. Try again, or renew the token in the browser."));
      actions = ACTION_RETRY | ACTION_MANUAL;
      break;
    }

  adw_status_page_set_icon_name (self->error_status, icon);
  adw_status_page_set_title (self->error_status, title);
  adw_status_page_set_description (self->error_status, text);
  gtk_label_set_text (self->error_message_label, error->message);

  gtk_widget_set_visible (self->error_retry_button, (actions & ACTION_RETRY) != 0);
  gtk_widget_set_visible (self->error_manual_button, (actions & ACTION_MANUAL) != 0);
  gtk_widget_set_visible (self->error_replace_button, (actions & ACTION_REPLACE) != 0);
  gtk_widget_set_visible (self->error_other_account_button, (actions & ACTION_OTHER) != 0);
  gtk_widget_set_visible (self->error_consent_button, (actions & ACTION_CONSENT) != 0);
  /* Where the browser is the only way left, it is the way to take. */
  if (actions == ACTION_MANUAL)
    gtk_widget_add_css_class (self->error_manual_button, "suggested-action");
  else
    gtk_widget_remove_css_class (self->error_manual_button, "suggested-action");

  gtk_stack_set_visible_child_name (self->stack, "error");
  on_page_changed (self);
}

/* Renewing. */

static void
on_renew_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CmtRenewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 expires_at = 0;
  gboolean ok = cmt_flows_finish (cmt_connection_call_renew_finish (CMT_CONNECTION (source), &expires_at,
                                                                    result, &error),
                                  &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  self->renew_in_flight = FALSE;
  update_consent_page (self);

  if (!ok)
    {
      cmt_renew_dialog_show_error (self, error);
      return;
    }
  self->progress_step = 2;
  show_success (self, expires_at, FALSE);
}

static void
start_renew (CmtRenewDialog *self)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const char *own = cmt_connection_get_cloud_account (self->connection);

  if (self->renew_in_flight)
    return;

  g_variant_builder_add (&options, "{sv}", "allow-migrations-data-access",
                         g_variant_new_boolean (gtk_check_button_get_active (self->consent_check)));
  if (self->account_path != NULL && g_strcmp0 (self->account_path, own) != 0)
    g_variant_builder_add (&options, "{sv}", "cloud-account",
                           g_variant_new_object_path (self->account_path));

  self->renew_in_flight = TRUE;
  self->following = FALSE;
  self->progress_step = 0;
  update_consent_page (self);
  fill_progress_page (self);
  gtk_stack_set_visible_child_name (self->stack, "progress");

  cmt_flows_prepare_call (self->connection);
  cmt_connection_call_renew (self->connection, g_variant_builder_end (&options),
                             self->cancellable, on_renew_done, g_object_ref (self));
}

static void
on_cancel_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CmtRenewDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (cmt_connection_call_cancel_renew_finish (CMT_CONNECTION (source), result, &error))
    return;
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  cmt_error_from_dbus (&error);
  /* The renewal goes on: let the admin try again, and say why it failed. */
  set_cancel_renew_label (self, _("_Cancel"), _("Cancel"), TRUE);
  toast (self, error->message);
}

static void
on_cancel_renew_clicked (CmtRenewDialog *self)
{
  /* Translators: shown on the Cancel button while the renewal stops. */
  set_cancel_renew_label (self, _("Cancelling…"), _("Cancelling…"), FALSE);
  cmt_connection_call_cancel_renew (self->connection, self->cancellable,
                                    on_cancel_done, g_object_ref (self));
}

/* A renewal this window did not start ends: show how. */
static void
on_renewing_changed (CmtRenewDialog *self)
{
  const char *last_error;

  if (!self->following || cmt_connection_get_renewing (self->connection))
    return;
  self->following = FALSE;
  last_error = cmt_connection_get_last_error (self->connection);
  if (last_error == NULL || *last_error == '\0')
    {
      show_success (self, cmt_connection_get_expires_at (self->connection), FALSE);
    }
  else
    {
      g_autoptr(GError) error = g_error_new_literal (CMT_ERROR, CMT_ERROR_FAILED, last_error);
      cmt_renew_dialog_show_error (self, error);
    }
}

static void
on_connect_clicked (CmtRenewDialog *self)
{
  go_to (self, "site");
}

static void
on_choose_site_clicked (CmtRenewDialog *self)
{
  go_to (self, "account");
}

static void
on_continue_clicked (CmtRenewDialog *self)
{
  go_to (self, "consent");
}

static void
on_change_account_clicked (CmtRenewDialog *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "error") == 0)
    go_back_to (self, "account");
  go_to (self, "change-account");
}

static void
on_add_account_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CmtRenewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gboolean ok = cmt_flows_finish (cmt_manager_call_add_cloud_account_finish (CMT_MANAGER (source), &path,
                                                                             result, &error),
                                  &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  gtk_widget_set_visible (self->use_account_spinner, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_account_form), TRUE);

  if (!ok)
    {
      cmt_account_form_show_error (self->new_account_form, error);
      update_change_account_page (self);
      return;
    }

  g_clear_pointer (&self->account_path, g_free);
  self->account_path = g_steal_pointer (&path);
  /* The API token stays in the keyring only; never in a widget again. */
  cmt_account_form_clear (self->new_account_form);
  update_change_account_page (self);
  go_to (self, "consent");
}

static void
on_use_account_clicked (CmtRenewDialog *self)
{
  gboolean is_new = FALSE;
  const char *path = get_chosen_account_path (self, &is_new);
  g_autoptr(CmtManager) manager = NULL;
  g_autofree char *email = NULL;
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (!is_new)
    {
      if (path == NULL)
        return;
      g_free (self->account_path);
      self->account_path = g_strdup (path);
      go_to (self, "consent");
      return;
    }

  manager = lookup_manager (self);
  if (manager == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (CMT_ERROR, CMT_ERROR_FAILED,
                                                     _("The service is not running. Try again in a moment."));
      cmt_account_form_show_error (self->new_account_form, error);
      return;
    }

  email = g_strstrip (g_strdup (cmt_account_form_get_email (self->new_account_form)));
  g_variant_builder_add (&options, "{sv}", "check", g_variant_new_boolean (TRUE));
  cmt_account_form_clear_error (self->new_account_form);
  gtk_widget_set_visible (self->use_account_spinner, TRUE);
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_account_form), FALSE);
  update_change_account_page (self);
  cmt_flows_prepare_call (manager);
  cmt_manager_call_add_cloud_account (manager, email,
                                      cmt_connection_get_cloud_site_url (self->connection),
                                      cmt_account_form_get_api_token (self->new_account_form),
                                      cmt_account_form_get_expires_at (self->new_account_form),
                                      g_variant_builder_end (&options),
                                      self->cancellable, on_add_account_done, g_object_ref (self));
}

static void
on_replace_token_clicked (CmtRenewDialog *self)
{
  go_back_to (self, "consent");
  go_to (self, "replace-token");
}

static void
on_replace_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CmtRenewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = cmt_flows_finish (cmt_cloud_account_call_replace_token_finish (CMT_CLOUD_ACCOUNT (source),
                                                                              result, &error),
                                  &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  gtk_widget_set_visible (self->replace_spinner, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->replace_form), TRUE);

  if (!ok)
    {
      cmt_account_form_show_error (self->replace_form, error);
      update_replace_page (self);
      return;
    }
  cmt_account_form_clear (self->replace_form);
  update_replace_page (self);
  go_back_to (self, "consent");
  toast (self, _("API token replaced: confirm to renew again"));
}

static void
on_replace_clicked (CmtRenewDialog *self)
{
  g_autoptr(CmtCloudAccount) account = lookup_account (self, self->account_path);

  if (account == NULL)
    return;
  cmt_account_form_clear_error (self->replace_form);
  gtk_widget_set_visible (self->replace_spinner, TRUE);
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->replace_form), FALSE);
  update_replace_page (self);
  cmt_flows_prepare_call (account);
  cmt_cloud_account_call_replace_token (account, cmt_account_form_get_api_token (self->replace_form),
                                        cmt_account_form_get_expires_at (self->replace_form),
                                        self->cancellable, on_replace_done, g_object_ref (self));
}

static void
on_confirm_clicked (CmtRenewDialog *self)
{
  if (!gtk_check_button_get_active (self->consent_check))
    return;
  start_renew (self);
}

static void
on_retry_clicked (CmtRenewDialog *self)
{
  if (gtk_check_button_get_active (self->consent_check))
    start_renew (self);
  else
    go_back_to (self, "consent");
}

static void
on_error_consent_clicked (CmtRenewDialog *self)
{
  go_back_to (self, "consent");
}

/* Renewing by hand. */

static void
on_manual_open_clicked (CmtRenewDialog *self)
{
  const char *url = adw_action_row_get_subtitle (self->manual_open_row);

  if (url != NULL && *url != '\0')
    cmt_flows_open_uri (GTK_WIDGET (self), url);
}

static void
on_manual_copy_clicked (CmtRenewDialog *self)
{
  const char *url = adw_action_row_get_subtitle (self->manual_open_row);

  if (url == NULL || *url == '\0')
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), url);
  toast (self, _("Address copied"));
}

static void
on_mark_renewed_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(CmtRenewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 expires_at;

  if (!cmt_connection_call_mark_renewed_finish (CMT_CONNECTION (source), result, &error))
    {
      if (g_cancellable_is_cancelled (self->cancellable))
        return;
      cmt_error_from_dbus (&error);
      gtk_widget_set_visible (self->renewed_spinner, FALSE);
      gtk_widget_set_sensitive (self->renewed_button, TRUE);
      cmt_renew_dialog_show_error (self, error);
      return;
    }
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  /* The service announces ExpiresAt before it replies; should the reply
   * win the race, the lifetime from now is what it recorded. */
  expires_at = cmt_connection_get_expires_at (self->connection);
  if (expires_at <= self->expires_before)
    expires_at = g_get_real_time () / G_USEC_PER_SEC + get_lifetime (self);
  show_success (self, expires_at, TRUE);
}

static void
on_renewed_clicked (CmtRenewDialog *self)
{
  self->expires_before = cmt_connection_get_expires_at (self->connection);
  gtk_widget_set_visible (self->renewed_spinner, TRUE);
  gtk_widget_set_sensitive (self->renewed_button, FALSE);
  cmt_connection_call_mark_renewed (self->connection, 0, self->cancellable,
                                    on_mark_renewed_done, g_object_ref (self));
}

/* The connection going away under the flow. */

static void
on_object_removed (CmtRenewDialog     *self,
                   GDBusObject        *object,
                   GDBusObjectManager *manager)
{
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (g_dbus_object_get_object_path (object), self->connection_path) != 0)
    return;
  error = g_error_new_literal (CMT_ERROR, CMT_ERROR_NOT_FOUND,
                               _("The connection was removed while this window was open."));
  cmt_renew_dialog_show_error (self, error);
}

/* GObject. */

static void
cmt_renew_dialog_constructed (GObject *object)
{
  CmtRenewDialog *self = CMT_RENEW_DIALOG (object);
  g_autoptr(CmtObject) cobject = NULL;

  G_OBJECT_CLASS (cmt_renew_dialog_parent_class)->constructed (object);

  g_return_if_fail (self->manager != NULL);
  g_signal_connect_object (self->manager, "object-removed",
                           G_CALLBACK (on_object_removed), self, G_CONNECT_SWAPPED);

  cobject = lookup_object (self, self->connection_path);
  self->connection = cobject != NULL ? cmt_object_get_connection (cobject) : NULL;
  if (self->connection == NULL)
    {
      g_autoptr(GError) error = NULL;

      /* An empty stand-in, so that every page can read it. */
      self->connection = CMT_CONNECTION (cmt_connection_skeleton_new ());
      error = g_error_new (CMT_ERROR, CMT_ERROR_NOT_FOUND,
                           /* Translators: "%1$s" is a D-Bus object path. */
                           _("No connection is stored at %1$s."),
                           self->connection_path != NULL ? self->connection_path : "");
      fill_header (self);
      cmt_renew_dialog_show_error (self, error);
      return;
    }

  {
    g_autoptr(CmtObject) server_object = lookup_object (self, cmt_connection_get_server (self->connection));
    self->server = server_object != NULL ? cmt_object_get_server (server_object) : NULL;
  }
  self->account_path = g_strdup (cmt_connection_get_cloud_account (self->connection));

  g_signal_connect_object (self->connection, "notify::renew-step",
                           G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::renewing",
                           G_CALLBACK (on_renewing_changed), self, G_CONNECT_SWAPPED);

  fill_header (self);
  fill_how_page (self);

  if (cmt_connection_get_renewing (self->connection))
    {
      /* Renewed by the service or another client right now: follow it. */
      self->following = TRUE;
      fill_progress_page (self);
      gtk_stack_set_visible_child_name (self->stack, "progress");
    }
  on_page_changed (self);
}

static void
cmt_renew_dialog_dispose (GObject *object)
{
  CmtRenewDialog *self = CMT_RENEW_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CMT_TYPE_RENEW_DIALOG);
  G_OBJECT_CLASS (cmt_renew_dialog_parent_class)->dispose (object);
}

static void
cmt_renew_dialog_finalize (GObject *object)
{
  CmtRenewDialog *self = CMT_RENEW_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->connection);
  g_clear_object (&self->server);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->connection_path, g_free);
  g_clear_pointer (&self->account_path, g_free);
  g_clear_pointer (&self->history, g_ptr_array_unref);
  G_OBJECT_CLASS (cmt_renew_dialog_parent_class)->finalize (object);
}

static void
cmt_renew_dialog_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CmtRenewDialog *self = CMT_RENEW_DIALOG (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      self->manager = g_value_dup_object (value);
      break;
    case PROP_CONNECTION_PATH:
      self->connection_path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cmt_renew_dialog_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CmtRenewDialog *self = CMT_RENEW_DIALOG (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      g_value_set_object (value, self->manager);
      break;
    case PROP_CONNECTION_PATH:
      g_value_set_string (value, self->connection_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cmt_renew_dialog_class_init (CmtRenewDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  cmt_flows_ensure_resources ();
  g_type_ensure (CMT_TYPE_ACCOUNT_FORM);

  object_class->constructed = cmt_renew_dialog_constructed;
  object_class->dispose = cmt_renew_dialog_dispose;
  object_class->finalize = cmt_renew_dialog_finalize;
  object_class->set_property = cmt_renew_dialog_set_property;
  object_class->get_property = cmt_renew_dialog_get_property;

  properties[PROP_MANAGER] =
    g_param_spec_object ("manager", NULL, NULL, G_TYPE_DBUS_OBJECT_MANAGER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTION_PATH] =
    g_param_spec_string ("connection-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cmatoken/flows/cmt-renew-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CmtRenewDialog, name)
  BIND (toast_overlay);
  BIND (window_title);
  BIND (back_button);
  BIND (close_button);
  BIND (stack);
  BIND (how_body_label);
  BIND (how_server_row);
  BIND (how_site_row);
  BIND (how_token_row);
  BIND (connect_button);
  BIND (site_body_label);
  BIND (site_row);
  BIND (site_model);
  BIND (choose_site_button);
  BIND (account_avatar);
  BIND (account_body_label);
  BIND (account_row);
  BIND (account_warning_label);
  BIND (continue_button);
  BIND (change_account_button);
  BIND (change_body_label);
  BIND (accounts_list);
  BIND (new_account_revealer);
  BIND (new_account_form);
  BIND (use_account_spinner);
  BIND (use_account_button);
  BIND (replace_body_label);
  BIND (replace_form);
  BIND (replace_spinner);
  BIND (replace_button);
  BIND (consent_body_label);
  BIND (consent_check);
  BIND (confirm_button);
  BIND (progress_spinner);
  BIND (step1_row);
  BIND (step2_row);
  BIND (step1_state);
  BIND (step2_state);
  BIND (cancel_renew_button);
  BIND (success_status);
  BIND (done_button);
  BIND (error_status);
  BIND (error_message_label);
  BIND (error_manual_button);
  BIND (error_other_account_button);
  BIND (error_retry_button);
  BIND (error_replace_button);
  BIND (error_consent_button);
  BIND (manual_body_label);
  BIND (manual_open_row);
  BIND (manual_steps_list);
  BIND (manual_tip_label);
  BIND (renewed_spinner);
  BIND (renewed_button);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_connect_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_site_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_continue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_change_account_clicked);
  gtk_widget_class_bind_template_callback (widget_class, update_change_account_page);
  gtk_widget_class_bind_template_callback (widget_class, on_use_account_clicked);
  gtk_widget_class_bind_template_callback (widget_class, update_replace_page);
  gtk_widget_class_bind_template_callback (widget_class, on_replace_clicked);
  gtk_widget_class_bind_template_callback (widget_class, update_consent_page);
  gtk_widget_class_bind_template_callback (widget_class, on_confirm_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_renew_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_replace_token_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_error_consent_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_manual_open_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_manual_copy_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_renewed_clicked);

  gtk_widget_class_install_action (widget_class, "flow.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "flow.manual", NULL, manual_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "flow.back", NULL);
}

/* Enter on the consent box: with the box ticked it confirms (as on every
 * other page Enter goes on); unticked it ticks it, like Space. */
static gboolean
on_consent_key_pressed (GtkEventControllerKey *controller,
                        guint                  keyval,
                        guint                  keycode,
                        GdkModifierType        state,
                        CmtRenewDialog        *self)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  if (!gtk_check_button_get_active (self->consent_check))
    {
      gtk_check_button_set_active (self->consent_check, TRUE);
      return TRUE;
    }
  if (gtk_widget_get_sensitive (self->confirm_button))
    gtk_widget_activate (self->confirm_button);
  return TRUE;
}

static void
cmt_renew_dialog_init (CmtRenewDialog *self)
{
  GtkEventController *keys;

  self->cancellable = g_cancellable_new ();
  self->history = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  cmt_flows_combo_row_show_whole (self->site_row);
  cmt_flows_ensure_style (GTK_WIDGET (self));

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_consent_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->consent_check), keys);
}

GtkWindow *
cmt_renew_dialog_new_for_manager (GtkWindow          *parent,
                                  GDBusObjectManager *manager,
                                  const char         *connection_object_path)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager), NULL);

  return g_object_new (CMT_TYPE_RENEW_DIALOG,
                       "transient-for", parent,
                       "manager", manager,
                       "connection-path", connection_object_path,
                       NULL);
}

GtkWindow *
cmt_renew_dialog_new (GtkWindow              *parent,
                      CmtObjectManagerClient *client,
                      const char             *connection_object_path)
{
  g_return_val_if_fail (CMT_IS_OBJECT_MANAGER_CLIENT (client), NULL);
  return cmt_renew_dialog_new_for_manager (parent, G_DBUS_OBJECT_MANAGER (client),
                                           connection_object_path);
}

/* For the tests. */

const char *
cmt_renew_dialog_get_page (CmtRenewDialog *self)
{
  g_return_val_if_fail (CMT_IS_RENEW_DIALOG (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

void
cmt_renew_dialog_show_page (CmtRenewDialog *self,
                            const char     *page)
{
  g_return_if_fail (CMT_IS_RENEW_DIALOG (self));
  go_to (self, page);
}

const char *
cmt_renew_dialog_get_error_title (CmtRenewDialog *self)
{
  g_return_val_if_fail (CMT_IS_RENEW_DIALOG (self), NULL);
  return adw_status_page_get_title (self->error_status);
}

const char *
cmt_renew_dialog_get_error_text (CmtRenewDialog *self)
{
  g_return_val_if_fail (CMT_IS_RENEW_DIALOG (self), NULL);
  return adw_status_page_get_description (self->error_status);
}

CmtRenewStepState
cmt_renew_dialog_get_step_state (CmtRenewDialog *self,
                                 guint           step)
{
  GtkStack *state;
  const char *name;

  g_return_val_if_fail (CMT_IS_RENEW_DIALOG (self), CMT_RENEW_STEP_PENDING);
  g_return_val_if_fail (step == 1 || step == 2, CMT_RENEW_STEP_PENDING);

  state = step == 1 ? self->step1_state : self->step2_state;
  name = gtk_stack_get_visible_child_name (state);
  if (g_strcmp0 (name, "active") == 0)
    return CMT_RENEW_STEP_ACTIVE;
  if (g_strcmp0 (name, "done") == 0)
    return CMT_RENEW_STEP_DONE;
  return CMT_RENEW_STEP_PENDING;
}

GStrv
cmt_renew_dialog_dup_manual_steps (CmtRenewDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (CMT_IS_RENEW_DIALOG (self), NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->manual_steps_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      const char *step = g_object_get_data (G_OBJECT (row), "cmt-step");
      if (step != NULL)
        g_strv_builder_add (builder, step);
    }
  return g_strv_builder_end (builder);
}

const char *
cmt_renew_dialog_get_account_path (CmtRenewDialog *self)
{
  g_return_val_if_fail (CMT_IS_RENEW_DIALOG (self), NULL);
  return self->account_path;
}
