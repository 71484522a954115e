/* cmtctl-manage.c: "cmatokenctl check | replace-secret | remove [--all] | label" */
#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "cmt-error.h"
#include "cmt-expiry.h"
#include "cmt-url.h"
#include "cmtctl-client.h"
#include "cmtctl-commands.h"
#include "cmtctl-secret.h"

static void
print_check_result (const char *description,
                    const char *status,
                    const char *last_error)
{
  g_autofree char *safe_error = cmtctl_sanitize (last_error);

  /* Translators: %1$s names an object, %2$s is its status ("valid"). */
  printf (_("%1$s: %2$s\n"), description, cmtctl_status_label (status));
  if (*safe_error != '\0')
    printf ("  %s\n", safe_error);
}

/* Checks one account or server; FALSE when the call failed or the credential is invalid. */
static gboolean
check_one (CmtctlClient *client,
           CmtObject    *object)
{
  CmtCloudAccount *account = cmt_object_peek_cloud_account (object);
  CmtServer *server = cmt_object_peek_server (object);
  g_autofree char *description = cmtctl_client_describe (client, object);
  g_autoptr(GError) error = NULL;
  const char *status;

  if (account != NULL)
    {
      g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (account), CMTCTL_CALL_TIMEOUT_MS);
      if (!cmt_cloud_account_call_check_sync (account, NULL, &error))
        goto failed;
      cmtctl_client_refresh (client, account);
      status = cmt_cloud_account_get_status (account);
      print_check_result (description, status, cmt_cloud_account_get_last_error (account));
    }
  else
    {
      g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (server), CMTCTL_CALL_TIMEOUT_MS);
      if (!cmt_server_call_check_sync (server, NULL, &error))
        goto failed;
      cmtctl_client_refresh (client, server);
      status = cmt_server_get_status (server);
      print_check_result (description, status, cmt_server_get_last_error (server));
    }
  return cmt_status_from_string (status) != CMT_STATUS_INVALID;

failed:
  cmtctl_error_from_call (&error);
  /* Translators: %1$s names an object, %2$s is why checking it failed. */
  cmtctl_fail_message (_("%1$s: %2$s"), description, error->message);
  return FALSE;
}

int
cmtctl_cmd_check (const CmtctlCommand *command,
                  int                  argc,
                  char               **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtObject) object = NULL;
  CmtConnection *connection;
  gboolean ok = TRUE;
  int exit_code;

  if (!cmtctl_parse_options (command, NULL, 1, 1, &argc, &argv, &exit_code))
    return exit_code;

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);
  object = cmtctl_client_lookup (client, argv[1], CMTCTL_KIND_ANY, NULL, &error);
  if (object == NULL)
    return cmtctl_fail (error);

  connection = cmt_object_peek_connection (object);
  if (connection != NULL)
    {
      /* A connection holds no credential itself: check the two it renews with. */
      const char *paths[] = {
        cmt_connection_get_server (connection),
        cmt_connection_get_cloud_account (connection),
      };
      for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
        {
          g_autoptr(CmtObject) part = cmtctl_client_get_object (client, paths[i]);
          if (part == NULL)
            {
              cmtctl_fail_message (_("The connection refers to %s, which the service does not list. "
                                     "Run “cmatokenctl status” to see what is stored."), paths[i]);
              ok = FALSE;
              continue;
            }
          ok = check_one (client, part) && ok;
        }
    }
  else
    ok = check_one (client, object);

  return ok ? CMTCTL_EXIT_OK : CMTCTL_EXIT_FAILURE;
}

int
cmtctl_cmd_replace_secret (const CmtctlCommand *command,
                           int                  argc,
                           char               **argv)
{
  g_autofree char *expires = NULL;
  g_autofree char *basic_user = NULL;
  gboolean pat = FALSE;
  const GOptionEntry entries[] = {
    { "expires", 0, 0, G_OPTION_ARG_STRING, &expires,
      N_("When the new secret expires (without it: no expiry date)"), N_("DATE") },
    { "pat", 0, 0, G_OPTION_ARG_NONE, &pat,
      N_("For a server: switch to a personal access token"), NULL },
    { "basic", 0, 0, G_OPTION_ARG_STRING, &basic_user,
      N_("For a server: switch to this user’s password"), N_("USERNAME") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtObject) object = NULL;
  g_autoptr(CmtctlSecret) secret = NULL;
  g_autofree char *description = NULL;
  g_autofree char *prompt = NULL;
  CmtCloudAccount *account;
  CmtServer *server;
  gint64 expires_at = 0;
  gboolean ok;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 1, 1, &argc, &argv, &exit_code))
    return exit_code;
  if (pat && basic_user != NULL)
    return cmtctl_usage_error (command->name, _("Give --pat or --basic USERNAME, not both."));
  if (basic_user != NULL && *basic_user == '\0')
    return cmtctl_usage_error (command->name, _("The user name after --basic is empty."));
  if (expires != NULL && !cmtctl_parse_date (expires, TRUE, &expires_at, &error))
    return cmtctl_usage_error (command->name, "%s", error->message);

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);
  object = cmtctl_client_lookup (client, argv[1], CMTCTL_KIND_ACCOUNT | CMTCTL_KIND_SERVER, NULL, &error);
  if (object == NULL)
    return cmtctl_fail (error);
  description = cmtctl_client_describe (client, object);

  account = cmt_object_peek_cloud_account (object);
  server = cmt_object_peek_server (object);
  if (account != NULL && (pat || basic_user != NULL))
    return cmtctl_usage_error (command->name,
                               _("--pat and --basic are for servers; a cloud account always uses an API token."));

  if (account != NULL)
    {
      /* Translators: a prompt; %s is an email address. */
      prompt = g_strdup_printf (_("New Atlassian API token for %s: "), cmt_cloud_account_get_email (account));
      secret = cmtctl_secret_read (prompt, &error);
      if (secret == NULL)
        return cmtctl_fail (error);
      g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (account), CMTCTL_CALL_TIMEOUT_MS);
      ok = cmt_cloud_account_call_replace_token_sync (account, secret, expires_at, NULL, &error);
    }
  else
    {
      const char *kind = pat ? "pat" : basic_user != NULL ? "basic" : cmt_server_get_auth_kind (server);
      const char *username = pat ? "" : basic_user != NULL ? basic_user : cmt_server_get_username (server);
      g_autofree char *host = cmt_url_display (cmt_server_get_base_url (server));

      if (g_strcmp0 (kind, "basic") == 0)
        /* Translators: a prompt; %1$s is a user name, %2$s a server. */
        prompt = g_strdup_printf (_("New password of %1$s on %2$s: "), username, host);
      else
        /* Translators: a prompt; %s is a server such as jira.example.com. */
        prompt = g_strdup_printf (_("New personal access token for %s: "), host);
      secret = cmtctl_secret_read (prompt, &error);
      if (secret == NULL)
        return cmtctl_fail (error);
      g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (server), CMTCTL_CALL_TIMEOUT_MS);
      ok = cmt_server_call_replace_secret_sync (server, kind, username != NULL ? username : "",
                                                secret, expires_at, NULL, &error);
    }

  if (!ok)
    {
      cmtctl_error_from_call (&error);
      return cmtctl_fail (error);
    }
  /* Translators: %s names an account or a server. */
  printf (_("Replaced the secret of %s.\n"), description);
  return CMTCTL_EXIT_OK;
}

/* Removes one object; prints what it removed, or why not. */
static gboolean
remove_one (CmtctlClient *client,
            CmtObject    *object)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *description = cmtctl_client_describe (client, object);
  gboolean ok;

  if (cmt_object_peek_connection (object) != NULL)
    ok = cmt_connection_call_remove_sync (cmt_object_peek_connection (object), NULL, &error);
  else if (cmt_object_peek_server (object) != NULL)
    ok = cmt_server_call_remove_sync (cmt_object_peek_server (object), NULL, &error);
  else
    ok = cmt_cloud_account_call_remove_sync (cmt_object_peek_cloud_account (object), NULL, &error);

  if (!ok)
    {
      cmtctl_error_from_call (&error);
      /* Translators: %1$s names an object, %2$s is why removing it failed. */
      cmtctl_fail_message (_("%1$s: %2$s"), description, error->message);
      return FALSE;
    }
  /* Translators: %s names what was removed. */
  printf (_("Removed %s.\n"), description);
  return TRUE;
}

/* Asks on the terminal; only "y" or "yes" (or their translation) is yes. */
static gboolean
confirm (const char *question)
{
  char answer[64];

  fputs (question, stdout);
  fflush (stdout);
  if (fgets (answer, sizeof answer, stdin) == NULL)
    return FALSE;
  g_strstrip (answer);
  return g_ascii_strcasecmp (answer, "y") == 0 ||
         g_ascii_strcasecmp (answer, "yes") == 0 ||
         /* Translators: the short answer "yes" to a y/N question, in lower case. */
         g_strcmp0 (answer, C_("answer", "y")) == 0 ||
         /* Translators: the answer "yes" to a y/N question, in lower case. */
         g_strcmp0 (answer, C_("answer", "yes")) == 0;
}

/* "remove --all": connections first, then servers, then cloud accounts,
 * so that nothing is removed while something still refers to it. */
static int
remove_all (const CmtctlCommand *command,
            gboolean             yes)
{
  const CmtctlKind order[] = { CMTCTL_KIND_CONNECTION, CMTCTL_KIND_SERVER, CMTCTL_KIND_ACCOUNT };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  guint n_objects[G_N_ELEMENTS (order)] = { 0, };
  guint total = 0;
  guint failed = 0;
  guint stray;

  if (!yes && !isatty (STDIN_FILENO))
    return cmtctl_usage_error (command->name,
                               _("“remove --all” forgets every connection, server and cloud account and deletes "
                                 "their stored credentials. Add --yes to do it without a question."));

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      GList *objects = cmtctl_client_list (client, order[i]);
      n_objects[i] = g_list_length (objects);
      total += n_objects[i];
      g_list_free_full (objects, g_object_unref);
    }

  if (total > 0 && !yes)
    {
      g_autofree char *connections = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u connection", "%u connections", n_objects[0]), n_objects[0]);
      g_autofree char *servers = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u server", "%u servers", n_objects[1]), n_objects[1]);
      g_autofree char *accounts = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u cloud account", "%u cloud accounts", n_objects[2]), n_objects[2]);
      /* Translators: %1$s is "2 connections", %2$s "1 server", %3$s "1 cloud account". */
      g_autofree char *question = g_strdup_printf (_("Forget %1$s, %2$s and %3$s, and delete their stored credentials? [y/N] "),
                                                   connections, servers, accounts);

      if (!confirm (question))
        {
          printf ("%s\n", _("Nothing was removed."));
          return CMTCTL_EXIT_FAILURE;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      GList *objects = cmtctl_client_list (client, order[i]);
      for (GList *l = objects; l != NULL; l = l->next)
        if (!remove_one (client, l->data))
          failed++;
      g_list_free_full (objects, g_object_unref);
    }

  if (total == 0)
    printf ("%s\n", _("The service stores no connection, server or cloud account."));

  /* Items the service keeps because no record names them (see the README). */
  stray = cmt_manager_get_stray_keyring_items (cmtctl_client_get_manager (client));
  if (stray > 0)
    printf (g_dngettext (GETTEXT_PACKAGE,
                         "The keyring still holds %u cmatoken item that no record names; the service keeps it in case it is needed. "
                         "To delete it too: secret-tool clear xdg:schema io.github.cmatoken.Credential\n",
                         "The keyring still holds %u cmatoken items that no record names; the service keeps them in case they are needed. "
                         "To delete them too: secret-tool clear xdg:schema io.github.cmatoken.Credential\n",
                         stray), stray);

  return failed == 0 ? CMTCTL_EXIT_OK : CMTCTL_EXIT_FAILURE;
}

int
cmtctl_cmd_remove (const CmtctlCommand *command,
                   int                  argc,
                   char               **argv)
{
  gboolean all = FALSE;
  gboolean yes = FALSE;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all,
      N_("Forget every connection, server and cloud account, and delete their stored credentials"), NULL },
    { "yes", 0, 0, G_OPTION_ARG_NONE, &yes,
      N_("With --all: do not ask first"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtObject) object = NULL;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 0, 1, &argc, &argv, &exit_code))
    return exit_code;
  if (all && argc > 1)
    return cmtctl_usage_error (command->name, _("Give an OBJECT or --all, not both."));
  if (yes && !all)
    return cmtctl_usage_error (command->name, _("--yes goes with --all."));
  if (all)
    return remove_all (command, yes);
  if (argc < 2)
    {
      g_autofree char *usage = g_strdup_printf ("%s remove OBJECT | --all [--yes]", g_get_prgname ());
      /* Translators: %s is the command's syntax, e.g. "cmatokenctl remove OBJECT". */
      return cmtctl_usage_error (command->name, _("Some arguments are missing. Usage: %s"), usage);
    }

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);
  object = cmtctl_client_lookup (client, argv[1], CMTCTL_KIND_ANY, NULL, &error);
  if (object == NULL)
    return cmtctl_fail (error);

  return remove_one (client, object) ? CMTCTL_EXIT_OK : CMTCTL_EXIT_FAILURE;
}

/* "label OBJECT TEXT | --clear": the name people give it, shown first in status. */
int
cmtctl_cmd_label (const CmtctlCommand *command,
                  int                  argc,
                  char               **argv)
{
  gboolean clear = FALSE;
  const GOptionEntry entries[] = {
    { "clear", 0, 0, G_OPTION_ARG_NONE, &clear, N_("Remove the label"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtObject) object = NULL;
  g_autofree char *description = NULL;
  const char *label;
  gboolean ok;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 1, 2, &argc, &argv, &exit_code))
    return exit_code;
  if (clear && argc > 2)
    return cmtctl_usage_error (command->name, _("Give a TEXT or --clear, not both."));
  if (!clear && argc < 3)
    {
      g_autofree char *usage = g_strdup_printf ("%s label OBJECT TEXT | --clear", g_get_prgname ());
      /* Translators: %s is the command's syntax, e.g. "cmatokenctl remove OBJECT". */
      return cmtctl_usage_error (command->name, _("Some arguments are missing. Usage: %s"), usage);
    }
  label = clear ? "" : argv[2];

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);
  object = cmtctl_client_lookup (client, argv[1], CMTCTL_KIND_ANY, NULL, &error);
  if (object == NULL)
    return cmtctl_fail (error);
  description = cmtctl_client_describe (client, object);

  if (cmt_object_peek_connection (object) != NULL)
    ok = cmt_connection_call_set_label_sync (cmt_object_peek_connection (object), label, NULL, &error);
  else if (cmt_object_peek_cloud_account (object) != NULL)
    ok = cmt_cloud_account_call_set_label_sync (cmt_object_peek_cloud_account (object), label, NULL, &error);
  else
    ok = cmt_server_call_set_label_sync (cmt_object_peek_server (object), label, NULL, &error);
  if (!ok)
    {
      cmtctl_error_from_call (&error);
      /* Translators: %1$s names an object, %2$s is why labelling it failed. */
      cmtctl_fail_message (_("%1$s: %2$s"), description, error->message);
      return CMTCTL_EXIT_FAILURE;
    }

  if (clear)
    /* Translators: %s names an object ("JCMA connection jira.example.com → acme.atlassian.net"). */
    printf (_("Removed the label of %s.\n"), description);
  else
    {
      g_autofree char *safe = cmtctl_sanitize (label);

      /* Translators: %1$s names an object, %2$s is its new label. */
      printf (_("Labelled %1$s “%2$s”.\n"), description, g_strstrip (safe));
    }
  return CMTCTL_EXIT_OK;
}
