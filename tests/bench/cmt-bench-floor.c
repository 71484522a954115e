/* cmt-bench-floor.c: the smallest libadwaita app, the floor for the app's launch time and memory */
#include <adwaita.h>

/*
 * What any libadwaita app pays before it shows anything: the application
 * registers on the session bus (as cmatoken does), builds one
 * AdwApplicationWindow with a header bar and a status page, and presents it.
 * The benchmark loads the same frame hook (cmt-bench-frame-hook.c) into this
 * program and into cmatoken, so both are timed the same way.
 */

static void
activate (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *page = adw_status_page_new ();

  adw_status_page_set_title (ADW_STATUS_PAGE (page), "Floor");
  adw_status_page_set_description (ADW_STATUS_PAGE (page), "A minimal libadwaita window");
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), page);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 560);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.cmatoken.BenchFloor",
                                                       G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (activate), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
