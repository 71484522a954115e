/* cmt-history-dialog.c: what happened to one connection, from the service's history */
#include <glib/gi18n.h>

#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-history-dialog.h"
#include "cmt-history.h"
#include "cmt-names.h"

struct _CmtHistoryDialog
{
  AdwWindow       parent_instance;

  GCancellable   *cancellable;

  AdwWindowTitle *window_title;
  GtkStack       *stack;
  GtkSpinner     *spinner;
  AdwStatusPage  *status_page;
  GtkListBox     *list_box;
};

G_DEFINE_FINAL_TYPE (CmtHistoryDialog, cmt_history_dialog, ADW_TYPE_WINDOW)

static char *
local_time (gint64 when)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (when);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M") : g_strdup ("");
}

static void
add_entry (CmtHistoryDialog *self,
           GVariant         *entry)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *when = local_time (cmt_history_entry_time (entry));
  const char *kind = cmt_history_kind_label (cmt_history_entry_string (entry, "kind"));
  const char *result = cmt_history_result_label (cmt_history_entry_string (entry, "result"));
  const char *error = cmt_history_entry_string (entry, "error");
  const char *caller = cmt_history_entry_string (entry, "caller");
  const char *account = cmt_history_entry_string (entry, "account");
  g_autofree char *title = NULL;
  g_autoptr(GString) details = g_string_new (NULL);

  if (*result != '\0')
    /* Translators: a history line: the time, what happened and how it ended ("renewed", "failed"). */
    title = g_strdup_printf (_("%1$s — %2$s, %3$s"), when, kind, result);
  else
    /* Translators: a history line: the time and what happened ("renewed"). */
    title = g_strdup_printf (_("%1$s — %2$s"), when, kind);

  if (*error != '\0')
    {
      /* "ServerAuthFailed", as the CLI and the docs name it; an unknown name whole. */
      int code = cmt_error_code_from_name (error);
      g_string_append (details, code >= 0 ? cmt_error_code_to_name (code) : error);
    }
  if (*caller != '\0')
    {
      if (details->len > 0)
        g_string_append (details, " · ");
      /* Translators: who asked for it: "by cmatokenctl". */
      g_string_append_printf (details, _("by %s"), caller);
    }
  if (*account != '\0')
    {
      if (details->len > 0)
        g_string_append (details, " · ");
      g_string_append (details, account);
    }

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), details->str);
  if (*result != '\0')
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      gtk_widget_add_css_class (icon, "warning");
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, result, -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }
  gtk_list_box_append (self->list_box, row);
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CmtHistoryDialog) self = user_data;
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GError) error = NULL;
  gsize n;

  if (!cmt_manager_call_get_history_finish (CMT_MANAGER (source), &entries, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      cmt_error_from_dbus (&error);
      gtk_spinner_stop (self->spinner);
      adw_status_page_set_title (self->status_page, _("The History Could Not Be Read"));
      adw_status_page_set_description (self->status_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "message");
      return;
    }

  gtk_spinner_stop (self->spinner);
  n = g_variant_n_children (entries);
  if (n == 0)
    {
      adw_status_page_set_title (self->status_page, _("Nothing Recorded Yet"));
      adw_status_page_set_description (self->status_page,
                                       _("Renewals, failures and replaced credentials will show here."));
      gtk_stack_set_visible_child_name (self->stack, "message");
      return;
    }
  /* The service gives the oldest first: the newest on top here. */
  for (gsize i = n; i > 0; i--)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (entries, i - 1);
      add_entry (self, entry);
    }
  gtk_stack_set_visible_child_name (self->stack, "list");
}

static void
cmt_history_dialog_dispose (GObject *object)
{
  CmtHistoryDialog *self = CMT_HISTORY_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CMT_TYPE_HISTORY_DIALOG);
  G_OBJECT_CLASS (cmt_history_dialog_parent_class)->dispose (object);
}

static void
cmt_history_dialog_finalize (GObject *object)
{
  CmtHistoryDialog *self = CMT_HISTORY_DIALOG (object);

  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (cmt_history_dialog_parent_class)->finalize (object);
}

static void
cmt_history_dialog_class_init (CmtHistoryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cmt_history_dialog_dispose;
  object_class->finalize = cmt_history_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/cmatoken/cmt-history-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CmtHistoryDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, CmtHistoryDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, CmtHistoryDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, CmtHistoryDialog, status_page);
  gtk_widget_class_bind_template_child (widget_class, CmtHistoryDialog, list_box);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cmt_history_dialog_init (CmtHistoryDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

GtkWindow *
cmt_history_dialog_new (GtkWindow          *parent,
                        GDBusObjectManager *manager,
                        const char         *object_path,
                        const char         *title)
{
  CmtHistoryDialog *self;
  g_autoptr(GDBusInterface) iface = NULL;
  g_auto(GVariantBuilder) filter = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager), NULL);
  g_return_val_if_fail (g_variant_is_object_path (object_path), NULL);

  self = g_object_new (CMT_TYPE_HISTORY_DIALOG, "transient-for", parent, NULL);
  adw_window_title_set_subtitle (self->window_title, title);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_spinner_start (self->spinner);

  iface = g_dbus_object_manager_get_interface (manager, CMT_MANAGER_PATH, CMT_MANAGER_INTERFACE);
  if (iface == NULL)
    {
      gtk_spinner_stop (self->spinner);
      adw_status_page_set_title (self->status_page, _("The History Could Not Be Read"));
      adw_status_page_set_description (self->status_page, _("The service is not running."));
      gtk_stack_set_visible_child_name (self->stack, "message");
      return GTK_WINDOW (self);
    }
  g_variant_builder_add (&filter, "{sv}", "object", g_variant_new_object_path (object_path));
  cmt_manager_call_get_history (CMT_MANAGER (iface), g_variant_builder_end (&filter), self->cancellable,
                                on_history, g_object_ref (self));
  return GTK_WINDOW (self);
}
