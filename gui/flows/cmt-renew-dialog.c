/* cmt-renew-dialog.c: the renewal flow of one connection (placeholder while it is written) */
#include <glib/gi18n.h>

#include "cmt-flows.h"
#include "cmt-renew-dialog.h"

struct _CmtRenewDialog
{
  AdwWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (CmtRenewDialog, cmt_renew_dialog, ADW_TYPE_WINDOW)

static void
cmt_renew_dialog_class_init (CmtRenewDialogClass *klass)
{
  cmt_flows_ensure_resources ();
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/io/github/cmatoken/flows/cmt-renew-dialog.ui");
}

static void
cmt_renew_dialog_init (CmtRenewDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
cmt_renew_dialog_new (GtkWindow              *parent,
                      CmtObjectManagerClient *client,
                      const char             *connection_object_path)
{
  return g_object_new (CMT_TYPE_RENEW_DIALOG, "transient-for", parent, NULL);
}
