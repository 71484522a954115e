/* cmt-bulk-renew-dialog.c: renews every connection that needs it, with one consent, a line each */
#include <glib/gi18n.h>

#include "cmt-bulk-renew-dialog.h"
#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-summary.h"
#include "cmt-wording.h"

typedef enum {
  ITEM_WAITING,
  ITEM_RENEWING,
  ITEM_RENEWED,
  ITEM_FAILED,
} ItemState;

typedef struct {
  CmtConnection *connection;
  char          *id;
  char          *title;
  ItemState      state;
  AdwActionRow  *row;
  GtkSpinner    *spinner;
  GtkImage      *icon;
  GtkWidget     *fix_button;
} Item;

struct _CmtBulkRenewDialog
{
  AdwWindow           parent_instance;

  GDBusObjectManager *manager;
  GtkWindow          *parent;        /* weak */
  GPtrArray          *items;         /* Item */
  GCancellable       *cancellable;
  guint               pending;
  guint               failed;
  gboolean            started;
  gboolean            stopping;

  GtkLabel           *heading_label;
  GtkLabel           *status_label;
  GtkProgressBar     *progress_bar;
  GtkListBox         *list_box;
  GtkCheckButton     *consent_check;
  GtkLabel           *consent_label;
  GtkButton          *cancel_button;
  GtkButton          *renew_button;
};

G_DEFINE_FINAL_TYPE (CmtBulkRenewDialog, cmt_bulk_renew_dialog, ADW_TYPE_WINDOW)

static void
item_free (Item *item)
{
  g_clear_object (&item->connection);
  g_free (item->id);
  g_free (item->title);
  g_free (item);
}

GPtrArray *
cmt_bulk_renew_dialog_pick (GDBusObjectManager *manager)
{
  GPtrArray *picked = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects;

  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager), picked);

  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      CmtConnection *connection = CMT_IS_OBJECT (l->data) ? cmt_object_peek_connection (l->data) : NULL;

      if (connection != NULL &&
          cmt_summary_needs_renewal (cmt_status_from_string (cmt_connection_get_status (connection))))
        g_ptr_array_add (picked, g_object_ref (l->data));
    }
  g_list_free_full (objects, g_object_unref);
  return picked;
}

static void
update_summary (CmtBulkRenewDialog *self)
{
  guint total = self->items->len;
  guint done = total - self->pending;

  if (!self->started)
    {
      g_autofree char *renew_label = NULL;

      /* Translators: the button that starts the renewals; %u is how many. */
      renew_label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "_Renew %u Connection",
                                                  "_Renew %u Connections", total), total);
      gtk_button_set_label (self->renew_button, renew_label);
      gtk_widget_set_sensitive (GTK_WIDGET (self->renew_button),
                                total > 0 && gtk_check_button_get_active (self->consent_check));
      return;
    }

  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) done / total : 1.0);
  if (self->pending > 0)
    {
      g_autofree char *text = NULL;

      if (self->stopping)
        text = g_strdup (_("Stopping the renewals that have not finished…"));
      else
        /* Translators: progress of the renewals; %1$u of %2$u connections. */
        text = g_strdup_printf (_("Renewing… %1$u of %2$u done. Closing this window does not stop them."),
                                done, total);
      gtk_label_set_label (self->status_label, text);
      return;
    }

  /* All done. */
  {
    g_autofree char *text = NULL;

    if (self->failed == 0)
      /* Translators: all the renewals succeeded; %u is how many. */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u renewed.", "All %u renewed.", total), total);
    else
      /* Translators: %1$u renewed, %2$u failed; each failure has a Fix button. */
      text = g_strdup_printf (_("%1$u renewed, %2$u failed. Fix each failure with its button: "
                                "it opens that connection’s renewal, which leads to what needs replacing."),
                              total - self->failed, self->failed);
    gtk_label_set_label (self->status_label, text);
    gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
    gtk_widget_set_visible (GTK_WIDGET (self->renew_button), TRUE);
    gtk_widget_set_sensitive (GTK_WIDGET (self->renew_button), TRUE);
    gtk_button_set_label (self->renew_button, _("_Done"));
    gtk_widget_grab_focus (GTK_WIDGET (self->renew_button));
  }
}

static void
set_item_icon (Item       *item,
               const char *icon_name,
               const char *css_class,
               const char *accessible_name)
{
  gtk_spinner_stop (item->spinner);
  gtk_widget_set_visible (GTK_WIDGET (item->spinner), FALSE);
  gtk_image_set_from_icon_name (item->icon, icon_name);
  gtk_widget_add_css_class (GTK_WIDGET (item->icon), css_class);
  gtk_widget_set_visible (GTK_WIDGET (item->icon), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_name, -1);
}

typedef struct {
  CmtBulkRenewDialog *self;
  Item               *item;
} Call;

static void
on_renewed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(CmtBulkRenewDialog) self = call->self;
  Item *item = call->item;
  g_autoptr(GError) error = NULL;
  gint64 expires_at = 0;

  g_free (call);
  if (!cmt_connection_call_renew_finish (CMT_CONNECTION (source), &expires_at, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the window is gone; the service goes on */

  self->pending--;
  if (error == NULL)
    {
      g_autofree char *date = cmt_expiry_format_date (expires_at);
      /* Translators: %s is a date. */
      g_autofree char *text = g_strdup_printf (_("Renewed: valid until %s"), date);

      item->state = ITEM_RENEWED;
      adw_action_row_set_subtitle (item->row, text);
      set_item_icon (item, "emblem-ok-symbolic", "success", _("Renewed"));
    }
  else
    {
      cmt_error_from_dbus (&error);
      item->state = ITEM_FAILED;
      self->failed++;
      adw_action_row_set_subtitle (item->row, error->message);
      set_item_icon (item, "dialog-error-symbolic", "error", _("Failed"));
      gtk_widget_set_visible (item->fix_button, TRUE);
    }
  update_summary (self);
}

static void
start (CmtBulkRenewDialog *self)
{
  self->started = TRUE;
  self->pending = self->items->len;
  gtk_widget_set_sensitive (GTK_WIDGET (self->consent_check), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->renew_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
  gtk_button_set_label (self->cancel_button, _("_Stop"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->cancel_button),
                               _("Cancels the renewals that have not finished; those done stay done"));

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);
      g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      Call *call = g_new0 (Call, 1);

      item->state = ITEM_RENEWING;
      gtk_widget_set_visible (GTK_WIDGET (item->spinner), TRUE);
      gtk_spinner_start (item->spinner);
      adw_action_row_set_subtitle (item->row, _("Renewing…"));

      g_variant_builder_add (&options, "{sv}", "allow-migrations-data-access", g_variant_new_boolean (TRUE));
      call->self = g_object_ref (self);
      call->item = item;
      /* Each may wait its turn in the service's queue. */
      g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (item->connection), G_MAXINT);
      cmt_connection_call_renew (item->connection, g_variant_builder_end (&options), self->cancellable,
                                 on_renewed, call);
    }
  update_summary (self);
}

static void
on_renew_clicked (CmtBulkRenewDialog *self)
{
  if (!self->started)
    start (self);
  else if (self->pending == 0)
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_cancel_clicked (CmtBulkRenewDialog *self)
{
  if (!self->started)
    {
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  if (self->stopping)
    return;
  self->stopping = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), FALSE);
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      if (item->state == ITEM_RENEWING)
        cmt_connection_call_cancel_renew (item->connection, self->cancellable, NULL, NULL);
    }
  update_summary (self);
}

static void
on_fix_clicked (GtkButton *button,
                Item      *item)
{
  CmtBulkRenewDialog *self = CMT_BULK_RENEW_DIALOG (gtk_widget_get_root (GTK_WIDGET (button)));
  g_autoptr(GtkWindow) parent = self->parent != NULL ? g_object_ref (self->parent) : NULL;
  g_autofree char *id = g_strdup (item->id);

  if (parent == NULL)
    return;
  /* The connection's own flow: it names what failed and leads to the fix.
   * Closing this window frees @item: nothing of it is used after. */
  gtk_window_close (GTK_WINDOW (self));
  gtk_widget_activate_action (GTK_WIDGET (parent), "main.renew-connection", "s", id);
}

static void
add_item (CmtBulkRenewDialog *self,
          GDBusObject        *object)
{
  CmtConnection *connection = cmt_object_peek_connection (CMT_OBJECT (object));
  CmtManager *manager_iface = cmt_wording_peek_manager (self->manager);
  gint64 warn_before = manager_iface != NULL ? MAX (cmt_manager_get_warn_before (manager_iface), 0) : 0;
  g_autofree char *route = cmt_wording_connection_title (self->manager, connection);
  g_autofree char *label = cmt_wording_connection_label (self->manager, connection);
  g_autofree char *server = cmt_wording_server_display (self->manager, cmt_connection_get_server (connection));
  g_autofree char *state = cmt_wording_connection_state (connection, server, warn_before, cmt_wording_now ());
  g_autofree char *fix_name = NULL;
  Item *item = g_new0 (Item, 1);
  GtkWidget *suffix;

  item->connection = g_object_ref (connection);
  item->id = g_strdup (cmt_wording_object_id (g_dbus_object_get_object_path (object)));
  item->title = label != NULL ? g_strdup_printf ("%s (%s)", label, route) : g_strdup (route);

  item->row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (item->row), item->title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (item->row), FALSE);
  adw_action_row_set_subtitle (item->row, state);
  adw_action_row_set_subtitle_lines (item->row, 0);

  suffix = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_valign (suffix, GTK_ALIGN_CENTER);
  item->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (item->spinner), FALSE);
  item->icon = GTK_IMAGE (gtk_image_new ());
  gtk_widget_set_visible (GTK_WIDGET (item->icon), FALSE);
  item->fix_button = gtk_button_new_with_mnemonic (_("_Fix…"));
  gtk_widget_set_visible (item->fix_button, FALSE);
  /* Translators: the accessible name of a failed renewal's Fix button; %s is a server. */
  fix_name = g_strdup_printf (_("Fix %s"), server);
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->fix_button), GTK_ACCESSIBLE_PROPERTY_LABEL, fix_name, -1);
  g_signal_connect (item->fix_button, "clicked", G_CALLBACK (on_fix_clicked), item);
  gtk_box_append (GTK_BOX (suffix), GTK_WIDGET (item->spinner));
  gtk_box_append (GTK_BOX (suffix), GTK_WIDGET (item->icon));
  gtk_box_append (GTK_BOX (suffix), item->fix_button);
  adw_action_row_add_suffix (item->row, suffix);

  gtk_list_box_append (self->list_box, GTK_WIDGET (item->row));
  g_ptr_array_add (self->items, item);
}

static void
cmt_bulk_renew_dialog_dispose (GObject *object)
{
  CmtBulkRenewDialog *self = CMT_BULK_RENEW_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->parent);
  gtk_widget_dispose_template (GTK_WIDGET (self), CMT_TYPE_BULK_RENEW_DIALOG);
  G_OBJECT_CLASS (cmt_bulk_renew_dialog_parent_class)->dispose (object);
}

static void
cmt_bulk_renew_dialog_finalize (GObject *object)
{
  CmtBulkRenewDialog *self = CMT_BULK_RENEW_DIALOG (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (cmt_bulk_renew_dialog_parent_class)->finalize (object);
}

static void
cmt_bulk_renew_dialog_class_init (CmtBulkRenewDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cmt_bulk_renew_dialog_dispose;
  object_class->finalize = cmt_bulk_renew_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/cmatoken/cmt-bulk-renew-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CmtBulkRenewDialog, heading_label);
  gtk_widget_class_bind_template_child (widget_class, CmtBulkRenewDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, CmtBulkRenewDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CmtBulkRenewDialog, list_box);
  gtk_widget_class_bind_template_child (widget_class, CmtBulkRenewDialog, consent_check);
  gtk_widget_class_bind_template_child (widget_class, CmtBulkRenewDialog, consent_label);
  gtk_widget_class_bind_template_child (widget_class, CmtBulkRenewDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CmtBulkRenewDialog, renew_button);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cmt_bulk_renew_dialog_init (CmtBulkRenewDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  self->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->consent_check, "toggled", G_CALLBACK (update_summary), self);
  g_signal_connect_swapped (self->renew_button, "clicked", G_CALLBACK (on_renew_clicked), self);
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), self);
}

GtkWindow *
cmt_bulk_renew_dialog_new (GtkWindow          *parent,
                           GDBusObjectManager *manager,
                           GPtrArray          *connections)
{
  CmtBulkRenewDialog *self;
  g_autofree char *heading = NULL;

  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager), NULL);
  g_return_val_if_fail (connections != NULL, NULL);

  self = g_object_new (CMT_TYPE_BULK_RENEW_DIALOG, "transient-for", parent, NULL);
  self->manager = g_object_ref (manager);
  g_set_weak_pointer (&self->parent, parent);
  for (guint i = 0; i < connections->len; i++)
    add_item (self, g_ptr_array_index (connections, i));

  /* Translators: the heading of the bulk renewal; %u is how many connections. */
  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Renew %u Connection", "Renew %u Connections",
                                          connections->len), connections->len);
  gtk_label_set_label (self->heading_label, heading);
  gtk_label_set_label (self->status_label,
                       _("These tokens are expiring, expired or were never renewed here. Each is renewed "
                         "through Atlassian’s Migration API with its own cloud account, all at once."));
  update_summary (self);
  return GTK_WINDOW (self);
}
