/* cmt-add-connection-dialog.c: the add-connection pages (placeholder while they are written) */
#include <glib/gi18n.h>

#include "cmt-flows.h"
#include "cmt-add-connection-dialog.h"

struct _CmtAddConnectionDialog
{
  AdwWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (CmtAddConnectionDialog, cmt_add_connection_dialog, ADW_TYPE_WINDOW)

static void
cmt_add_connection_dialog_class_init (CmtAddConnectionDialogClass *klass)
{
  cmt_flows_ensure_resources ();
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/io/github/cmatoken/flows/cmt-add-connection-dialog.ui");
}

static void
cmt_add_connection_dialog_init (CmtAddConnectionDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
cmt_add_connection_dialog_new (GtkWindow              *parent,
                               CmtObjectManagerClient *client)
{
  return g_object_new (CMT_TYPE_ADD_CONNECTION_DIALOG, "transient-for", parent, NULL);
}
