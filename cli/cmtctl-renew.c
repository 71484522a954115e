/* cmtctl-renew.c: "cmatokenctl renew | mark-renewed | auto-renew": the container token's life */
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmt-error.h"
#include "cmt-expiry.h"
#include "cmt-product.h"
#include "cmt-summary.h"
#include "cmt-url.h"
#include "cmtctl-client.h"
#include "cmtctl-commands.h"

typedef struct {
  GMainLoop     *loop;
  CmtConnection *connection;
  char          *host;
  char          *printed_step;
  gint64         expires_at;
  GError        *error;
  gboolean       finished;
  gboolean       cancel_requested;
  gboolean       gave_up;
} RenewRun;

static void
renew_run_clear (RenewRun *run)
{
  g_clear_pointer (&run->loop, g_main_loop_unref);
  g_clear_pointer (&run->host, g_free);
  g_clear_pointer (&run->printed_step, g_free);
  g_clear_error (&run->error);
}

static const char *
consent_message (void)
{
  return _("Renewing lets Atlassian access migrations data, as the “Allow Atlassian to access migrations data” "
           "box in the migration assistant does. Add --allow-migrations-data-access to agree.");
}

/* The same wording as the app's progress page. */
static void
print_step (RenewRun *run)
{
  const char *step = cmt_connection_get_renew_step (run->connection);

  if (run->finished || step == NULL || *step == '\0' || g_strcmp0 (step, run->printed_step) == 0)
    return;
  g_free (run->printed_step);
  run->printed_step = g_strdup (step);

  if (g_str_equal (step, "create-token"))
    fprintf (stderr, "%s\n", _("Creating an auth token at Atlassian…"));
  else if (g_str_equal (step, "save-token"))
    /* Translators: %s is a server such as jira.example.com. */
    fprintf (stderr, _("Saving it on %s…\n"), run->host);
}

static void
on_renew_step_changed (GObject    *object,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  print_step (user_data);
}

static void
on_renew_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  RenewRun *run = user_data;

  cmt_connection_call_renew_finish (CMT_CONNECTION (source), &run->expires_at, result, &run->error);
  run->finished = TRUE;
  g_main_loop_quit (run->loop);
}

static gboolean
on_interrupt (gpointer user_data)
{
  RenewRun *run = user_data;

  if (!run->cancel_requested)
    {
      run->cancel_requested = TRUE;
      fprintf (stderr, "%s\n", _("Cancelling the renewal… (press Ctrl+C again to stop waiting)"));
      /* The Renew call in flight answers Cancelled once the service has stopped. */
      cmt_connection_call_cancel_renew (run->connection, NULL, NULL, NULL);
    }
  else
    {
      run->gave_up = TRUE;
      g_main_loop_quit (run->loop);
    }
  return G_SOURCE_CONTINUE;
}

/* "renew --expiring | --all": every Renew at once (the service bounds how
 * many run in parallel and how fast each host is asked), a line each as
 * they finish. */
typedef struct {
  GMainLoop *loop;
  GPtrArray *connections;   /* CmtConnection */
  guint      pending;
  guint      failed;
  gboolean   cancel_requested;
  gboolean   gave_up;
  CmtctlClient *client;
} RenewMany;

typedef struct {
  RenewMany     *many;
  CmtConnection *connection;
  char          *title;
} RenewOne;

static char *
connection_title (CmtctlClient  *client,
                  CmtConnection *connection)
{
  g_autofree char *host = cmtctl_client_connection_host (client, connection);
  g_autofree char *site = cmt_url_display (cmt_connection_get_cloud_site_url (connection));

  /* Translators: %1$s is JCMA or CCMA, %2$s a server, %3$s a cloud site. */
  return g_strdup_printf (_("%1$s %2$s → %3$s"),
                          cmt_assistant_short_name (cmt_connection_get_product (connection)), host, site);
}

static void
on_one_renewed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  RenewOne *one = user_data;
  g_autoptr(GError) error = NULL;
  gint64 expires_at = 0;

  if (cmt_connection_call_renew_finish (CMT_CONNECTION (source), &expires_at, result, &error))
    {
      g_autofree char *date = cmt_expiry_format_date (expires_at);
      /* Translators: %1$s names a connection ("JCMA jira.example.com → acme.atlassian.net"), %2$s is a date. */
      printf (_("Renewed: %1$s, valid until %2$s\n"), one->title, date);
    }
  else
    {
      g_autofree char *message = NULL;

      cmtctl_error_from_call (&error);
      message = cmtctl_sanitize (error->message);
      one->many->failed++;
      /* Translators: %1$s names a connection, %2$s is why its renewal failed. */
      printf (_("Failed: %1$s: %2$s\n"), one->title, message);
    }
  fflush (stdout);

  if (--one->many->pending == 0)
    g_main_loop_quit (one->many->loop);
  g_free (one->title);
  g_free (one);
}

static gboolean
on_many_interrupt (gpointer user_data)
{
  RenewMany *many = user_data;

  if (!many->cancel_requested)
    {
      many->cancel_requested = TRUE;
      fprintf (stderr, "%s\n", _("Cancelling the renewals… (press Ctrl+C again to stop waiting)"));
      for (guint i = 0; i < many->connections->len; i++)
        cmt_connection_call_cancel_renew (g_ptr_array_index (many->connections, i), NULL, NULL, NULL);
    }
  else
    {
      many->gave_up = TRUE;
      g_main_loop_quit (many->loop);
    }
  return G_SOURCE_CONTINUE;
}

static int
renew_many (const CmtctlCommand *command,
            gboolean             all,
            gboolean             dry_run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(GPtrArray) chosen = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects;
  RenewMany many = { 0 };
  guint sigint_id, sigterm_id;

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);

  objects = cmtctl_client_list (client, CMTCTL_KIND_CONNECTION);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      CmtConnection *connection = cmt_object_peek_connection (l->data);
      CmtStatus status = cmt_status_from_string (cmt_connection_get_status (connection));

      if (all || cmt_summary_needs_renewal (status))
        g_ptr_array_add (chosen, g_object_ref (connection));
    }
  g_list_free_full (objects, g_object_unref);

  if (chosen->len == 0)
    {
      printf ("%s\n", all ? _("No connection is stored.")
                          : _("No connection needs renewing: every token is valid beyond its warning time."));
      return CMTCTL_EXIT_OK;
    }

  if (dry_run)
    {
      for (guint i = 0; i < chosen->len; i++)
        {
          CmtConnection *connection = g_ptr_array_index (chosen, i);
          g_autofree char *title = connection_title (client, connection);
          const char *state = cmtctl_status_label (cmt_connection_get_status (connection));

          /* Translators: %1$s names a connection, %2$s is its status ("expiring"). */
          printf (_("Would renew: %1$s (%2$s)\n"), title, state);
        }
      printf (g_dngettext (GETTEXT_PACKAGE, "%u connection would be renewed; nothing was sent.\n",
                           "%u connections would be renewed; nothing was sent.\n", chosen->len), chosen->len);
      return CMTCTL_EXIT_OK;
    }

  many.loop = g_main_loop_new (NULL, FALSE);
  many.connections = chosen;
  many.client = client;
  many.pending = chosen->len;
  /* Translators: %u is how many connections. */
  fprintf (stderr, g_dngettext (GETTEXT_PACKAGE, "Renewing %u connection…\n", "Renewing %u connections…\n",
                                chosen->len), chosen->len);
  sigint_id = g_unix_signal_add (SIGINT, on_many_interrupt, &many);
  sigterm_id = g_unix_signal_add (SIGTERM, on_many_interrupt, &many);

  for (guint i = 0; i < chosen->len; i++)
    {
      CmtConnection *connection = g_ptr_array_index (chosen, i);
      RenewOne *one = g_new0 (RenewOne, 1);
      g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

      one->many = &many;
      one->connection = connection;
      one->title = connection_title (client, connection);
      g_variant_builder_add (&options, "{sv}", "allow-migrations-data-access", g_variant_new_boolean (TRUE));
      /* Each waits its turn in the service's queue: allow for all of them. */
      g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (connection), G_MAXINT);
      cmt_connection_call_renew (connection, g_variant_builder_end (&options), NULL, on_one_renewed, one);
    }
  g_main_loop_run (many.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_main_loop_unref (many.loop);

  if (many.gave_up)
    {
      cmtctl_fail_message (_("Stopped waiting. The service may still finish or cancel the renewals; "
                             "“%s status” shows the outcome."), g_get_prgname ());
      /* The calls still in flight hold pointers to @many: leave without returning to it. */
      fflush (stdout);
      exit (CMTCTL_EXIT_FAILURE);
    }
  /* Translators: the summary after renewing several connections. */
  printf (_("%1$u renewed, %2$u failed.\n"), chosen->len - many.failed, many.failed);
  return many.failed == 0 ? CMTCTL_EXIT_OK : CMTCTL_EXIT_FAILURE;
}

int
cmtctl_cmd_renew (const CmtctlCommand *command,
                  int                  argc,
                  char               **argv)
{
  gboolean consent = FALSE;
  gboolean expiring = FALSE, all = FALSE, dry_run = FALSE;
  g_autofree char *account_name = NULL;
  const GOptionEntry entries[] = {
    { "allow-migrations-data-access", 0, 0, G_OPTION_ARG_NONE, &consent,
      N_("Agree that Atlassian may access migrations data (required)"), NULL },
    { "cloud-account", 0, 0, G_OPTION_ARG_STRING, &account_name,
      N_("Renew as this stored cloud account instead (“Change account”); it becomes the connection’s account"),
      N_("ACCOUNT") },
    { "expiring", 0, 0, G_OPTION_ARG_NONE, &expiring,
      N_("Instead of one CONNECTION: every connection that needs it (expiring, expired or never renewed here)"), NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all,
      N_("Instead of one CONNECTION: every connection"), NULL },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run,
      N_("With --expiring or --all: only say which connections would be renewed"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtObject) object = NULL;
  g_autoptr(CmtObject) account_object = NULL;
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autofree char *site = NULL;
  g_autofree char *date = NULL;
  RenewRun run = { 0 };
  gulong notify_id;
  guint sigint_id, sigterm_id;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 0, 1, &argc, &argv, &exit_code))
    return exit_code;
  if (expiring && all)
    return cmtctl_usage_error (command->name, _("Give --expiring or --all, not both."));
  if ((expiring || all) && argc > 1)
    return cmtctl_usage_error (command->name, _("Give a CONNECTION or --expiring / --all, not both."));
  if ((expiring || all) && account_name != NULL)
    return cmtctl_usage_error (command->name, _("--cloud-account goes with one CONNECTION, not with --expiring or --all."));
  if (dry_run && !expiring && !all)
    return cmtctl_usage_error (command->name, _("--dry-run goes with --expiring or --all."));
  if (!expiring && !all && argc < 2)
    {
      g_autofree char *usage = g_strdup_printf ("%s renew CONNECTION | --expiring | --all", g_get_prgname ());
      /* Translators: %s is the command's syntax, e.g. "cmatokenctl remove OBJECT". */
      return cmtctl_usage_error (command->name, _("Some arguments are missing. Usage: %s"), usage);
    }
  if (!consent && !dry_run)
    return cmtctl_usage_error (command->name, "%s", consent_message ());
  if (expiring || all)
    return renew_many (command, all, dry_run);

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);
  object = cmtctl_client_lookup (client, argv[1], CMTCTL_KIND_CONNECTION, NULL, &error);
  if (object == NULL)
    return cmtctl_fail (error);
  run.connection = cmt_object_peek_connection (object);

  g_variant_builder_add (&options, "{sv}", "allow-migrations-data-access", g_variant_new_boolean (TRUE));
  if (account_name != NULL)
    {
      account_object = cmtctl_client_lookup (client, account_name, CMTCTL_KIND_ACCOUNT,
                                             cmt_connection_get_cloud_site_url (run.connection), &error);
      if (account_object == NULL)
        return cmtctl_fail (error);
      g_variant_builder_add (&options, "{sv}", "cloud-account",
                             g_variant_new_object_path (g_dbus_object_get_object_path (G_DBUS_OBJECT (account_object))));
    }

  run.loop = g_main_loop_new (NULL, FALSE);
  run.host = cmtctl_client_connection_host (client, run.connection);
  site = cmt_url_display (cmt_connection_get_cloud_site_url (run.connection));

  notify_id = g_signal_connect (run.connection, "notify::renew-step", G_CALLBACK (on_renew_step_changed), &run);
  sigint_id = g_unix_signal_add (SIGINT, on_interrupt, &run);
  sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt, &run);

  /* Joining a renewal already in flight: say where it is. */
  print_step (&run);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (run.connection), CMTCTL_RENEW_TIMEOUT_MS);
  cmt_connection_call_renew (run.connection, g_variant_builder_end (&options), NULL, on_renew_done, &run);
  g_main_loop_run (run.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handler_disconnect (run.connection, notify_id);

  if (run.gave_up)
    {
      cmtctl_fail_message (_("Stopped waiting. The service may still finish or cancel the renewal; "
                             "“%s status” shows the outcome."), g_get_prgname ());
      renew_run_clear (&run);
      return CMTCTL_EXIT_FAILURE;
    }
  if (run.error != NULL)
    {
      gboolean by_hand;

      cmtctl_error_from_call (&run.error);
      /* What only a renewal in the assistant itself can get past. */
      by_hand = g_error_matches (run.error, CMT_ERROR, CMT_ERROR_NOT_SUPPORTED) ||
                g_error_matches (run.error, CMT_ERROR, CMT_ERROR_TOKEN_REJECTED);
      exit_code = cmtctl_fail (run.error);
      if (by_hand)
        {
          const char *id = cmtctl_path_id (g_dbus_object_get_object_path (G_DBUS_OBJECT (object)));

          /* Translators: %1$s is the program (cmatokenctl), %2$s a connection's id. */
          fprintf (stderr, _("Renew it by hand in the migration assistant (“%1$s open %2$s” shows the steps), then record it: %1$s mark-renewed %2$s\n"),
                   g_get_prgname (), id);
        }
      renew_run_clear (&run);
      return exit_code;
    }

  date = cmt_expiry_format_date (run.expires_at);
  /* Translators: %1$s is JCMA or CCMA, %2$s a server, %3$s a cloud site, %4$s a date. */
  printf (_("Renewed: the %1$s token on %2$s for %3$s is valid until %4$s.\n"),
          cmt_assistant_short_name (cmt_connection_get_product (run.connection)), run.host, site, date);
  renew_run_clear (&run);
  return CMTCTL_EXIT_OK;
}

int
cmtctl_cmd_mark_renewed (const CmtctlCommand *command,
                         int                  argc,
                         char               **argv)
{
  g_autofree char *at = NULL;
  const GOptionEntry entries[] = {
    { "at", 0, 0, G_OPTION_ARG_STRING, &at,
      N_("When you renewed it (default: now)"), N_("DATE") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtObject) object = NULL;
  g_autofree char *host = NULL;
  g_autofree char *site = NULL;
  g_autofree char *date = NULL;
  CmtConnection *connection;
  gint64 renewed_at = 0;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 1, 1, &argc, &argv, &exit_code))
    return exit_code;
  if (at != NULL && !cmtctl_parse_date (at, FALSE, &renewed_at, &error))
    return cmtctl_usage_error (command->name, "%s", error->message);

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);
  object = cmtctl_client_lookup (client, argv[1], CMTCTL_KIND_CONNECTION, NULL, &error);
  if (object == NULL)
    return cmtctl_fail (error);
  connection = cmt_object_peek_connection (object);

  if (!cmt_connection_call_mark_renewed_sync (connection, renewed_at, NULL, &error))
    {
      cmtctl_error_from_call (&error);
      return cmtctl_fail (error);
    }

  cmtctl_client_refresh (client, connection);
  host = cmtctl_client_connection_host (client, connection);
  site = cmt_url_display (cmt_connection_get_cloud_site_url (connection));
  date = cmt_expiry_format_date (cmt_connection_get_expires_at (connection));
  /* Translators: %1$s is JCMA or CCMA, %2$s a server, %3$s a cloud site, %4$s a date. */
  printf (_("Recorded: the %1$s token on %2$s for %3$s is valid until %4$s.\n"),
          cmt_assistant_short_name (cmt_connection_get_product (connection)), host, site, date);
  return CMTCTL_EXIT_OK;
}

int
cmtctl_cmd_auto_renew (const CmtctlCommand *command,
                       int                  argc,
                       char               **argv)
{
  gboolean consent = FALSE;
  const GOptionEntry entries[] = {
    { "allow-migrations-data-access", 0, 0, G_OPTION_ARG_NONE, &consent,
      N_("Agree that Atlassian may access migrations data (required to turn it on)"), NULL },
    { NULL }
  };
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtObject) object = NULL;
  g_autofree char *description = NULL;
  const char *switch_word;
  gboolean enable;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 2, 2, &argc, &argv, &exit_code))
    return exit_code;
  switch_word = argv[2];
  if (g_ascii_strcasecmp (switch_word, "on") == 0)
    enable = TRUE;
  else if (g_ascii_strcasecmp (switch_word, "off") == 0)
    enable = FALSE;
  else
    return cmtctl_usage_error (command->name, _("Say “on” or “off”, not “%s”."), switch_word);
  if (enable && !consent)
    return cmtctl_usage_error (command->name, "%s", consent_message ());

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);
  object = cmtctl_client_lookup (client, argv[1], CMTCTL_KIND_CONNECTION, NULL, &error);
  if (object == NULL)
    return cmtctl_fail (error);
  description = cmtctl_client_describe (client, object);

  if (consent)
    g_variant_builder_add (&options, "{sv}", "allow-migrations-data-access", g_variant_new_boolean (TRUE));
  if (!cmt_connection_call_set_auto_renew_sync (cmt_object_peek_connection (object), enable,
                                                g_variant_builder_end (&options), NULL, &error))
    {
      cmtctl_error_from_call (&error);
      return cmtctl_fail (error);
    }

  if (enable)
    /* Translators: %s names a connection. */
    printf (_("Automatic renewal is on for %s: the service renews its token before it expires.\n"), description);
  else
    /* Translators: %s names a connection. */
    printf (_("Automatic renewal is off for %s.\n"), description);
  return CMTCTL_EXIT_OK;
}
