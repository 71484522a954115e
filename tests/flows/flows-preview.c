/* flows-preview.c: opens a flow on made-up objects at a given page, to look at it (screenshots, layout in Japanese) */
#include <glib/gi18n.h>
#include <locale.h>

#include "cmt-error.h"
#include "cmt-flows.h"
#include "cmt-add-connection-dialog-private.h"
#include "cmt-renew-dialog-private.h"
#include "flows-fixture.h"

static char *opt_dialog = NULL;
static char *opt_product = NULL;
static char *opt_page = NULL;
static char *opt_error = NULL;
static gboolean opt_dark = FALSE;
static char *opt_open = NULL;

static GOptionEntry entries[] = {
  { "dialog", 0, 0, G_OPTION_ARG_STRING, &opt_dialog, "renew (default) or add", "DIALOG" },
  { "product", 0, 0, G_OPTION_ARG_STRING, &opt_product, "jira or confluence", "PRODUCT" },
  { "page", 0, 0, G_OPTION_ARG_STRING, &opt_page, "the page to show", "PAGE" },
  { "error", 0, 0, G_OPTION_ARG_STRING, &opt_error, "show the error page for this error name", "NAME" },
  { "open", 0, 0, G_OPTION_ARG_STRING, &opt_open, "open this address as the flows do (to see what happens without a browser)", "URI" },
  { "dark", 0, 0, G_OPTION_ARG_NONE, &opt_dark, "dark style", NULL },
  { NULL }
};

static void
on_destroy (GtkWidget *window,
            GMainLoop *loop)
{
  g_main_loop_quit (loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManagerServer) manager = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  GtkWindow *window;

  setlocale (LC_ALL, "");
  /* The build tree's catalogues (po/ja/LC_MESSAGES/cmatoken.mo), to look at
   * the pages in Japanese before anything is installed. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CMT_LOCALEDIR") != NULL ? g_getenv ("CMT_LOCALEDIR")
                                                                      : LOCALEDIR_BUILD);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  adw_init ();
  if (opt_dark)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);

  manager = flows_fixture_new (opt_product != NULL ? opt_product : "jira");
  if (g_strcmp0 (opt_dialog, "add") == 0)
    {
      window = cmt_add_connection_dialog_new_for_manager (NULL, G_DBUS_OBJECT_MANAGER (manager));
      if (opt_page != NULL)
        cmt_add_connection_dialog_show_page (CMT_ADD_CONNECTION_DIALOG (window), opt_page);
      goto show;
    }
  window = cmt_renew_dialog_new_for_manager (NULL, G_DBUS_OBJECT_MANAGER (manager),
                                             FIXTURE_CONNECTION_PATH);
  if (opt_page != NULL)
    cmt_renew_dialog_show_page (CMT_RENEW_DIALOG (window), opt_page);
  if (opt_page != NULL && g_str_equal (opt_page, "progress"))
    g_object_set (flows_fixture_get_connection (manager), "renew-step", "save-token", NULL);
  if (opt_error != NULL)
    {
      int code = cmt_error_code_from_name (opt_error);
      g_autoptr(GError) shown = NULL;

      if (code < 0)
        shown = g_error_new (G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN,
                             "The name io.github.cmatoken.Daemon was not provided by any .service files");
      else
        shown = g_error_new (CMT_ERROR, code, "%s: what the service said about it", opt_error);
      cmt_renew_dialog_show_error (CMT_RENEW_DIALOG (window), shown);
    }

show:
  loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (window, "destroy", G_CALLBACK (on_destroy), loop);
  gtk_window_present (window);
  if (opt_open != NULL)
    cmt_flows_open_uri (GTK_WIDGET (window), opt_open);
  g_main_loop_run (loop);
  return 0;
}
