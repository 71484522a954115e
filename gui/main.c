/* main.c: cmatoken, the Cloud Migration Tokens app */
#include <glib/gi18n.h>
#include <locale.h>

#include "cmt-application.h"
#include "cmt-resources.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CmtApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* CMT_LOCALEDIR: the build tree's translations, for tests and the demo. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CMT_LOCALEDIR") != NULL ? g_getenv ("CMT_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Before the application starts: it looks for gtk/help-overlay.ui there. */
  cmt_gui_ensure_resources ();
  g_set_application_name (_("Cloud Migration Tokens"));

  app = cmt_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
