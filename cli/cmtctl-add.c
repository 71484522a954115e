/* cmtctl-add.c: "cmatokenctl add-cloud-account | add-server | add-connection" */
#include <glib/gi18n.h>
#include <stdio.h>

#include "cmt-error.h"
#include "cmt-product.h"
#include "cmt-url.h"
#include "cmtctl-client.h"
#include "cmtctl-commands.h"
#include "cmtctl-secret.h"

/* The service checks a credential unless told not to: only say so when asked. */
static GVariant *
add_options (gboolean    no_check,
             gint64      renewed_at)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (no_check)
    g_variant_builder_add (&options, "{sv}", "check", g_variant_new_boolean (FALSE));
  if (renewed_at > 0)
    g_variant_builder_add (&options, "{sv}", "renewed-at", g_variant_new_int64 (renewed_at));
  return g_variant_builder_end (&options);
}

/* The normalised URL if it is one, for messages; else what was typed. */
static char *
display_url (const char *url)
{
  g_autofree char *normalized = cmt_url_normalize (url, NULL);

  return cmt_url_display (normalized != NULL ? normalized : url);
}

int
cmtctl_cmd_add_account (const CmtctlCommand *command,
                        int                  argc,
                        char               **argv)
{
  g_autofree char *expires = NULL;
  gboolean no_check = FALSE;
  const GOptionEntry entries[] = {
    { "expires", 0, 0, G_OPTION_ARG_STRING, &expires,
      N_("When the API token expires, as chosen when it was created"), N_("DATE") },
    { "no-check", 0, 0, G_OPTION_ARG_NONE, &no_check,
      N_("Store the token without checking it against the site first (test mode only)"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtctlSecret) token = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *path = NULL;
  g_autofree char *site = NULL;
  gint64 expires_at = 0;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 2, 2, &argc, &argv, &exit_code))
    return exit_code;
  if (expires != NULL && !cmtctl_parse_date (expires, TRUE, &expires_at, &error))
    return cmtctl_usage_error (command->name, "%s", error->message);

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);

  /* Translators: a prompt; %s is an email address. */
  prompt = g_strdup_printf (_("Atlassian API token for %s: "), argv[1]);
  token = cmtctl_secret_read (prompt, &error);
  if (token == NULL)
    return cmtctl_fail (error);

  if (!cmt_manager_call_add_cloud_account_sync (cmtctl_client_get_manager (client),
                                                argv[1], argv[2], token, expires_at,
                                                add_options (no_check, 0),
                                                &path, NULL, &error))
    {
      cmtctl_error_from_call (&error);
      return cmtctl_fail (error);
    }

  site = display_url (argv[2]);
  /* Translators: %1$s is an email, %2$s a cloud site, %3$s the new object's id. */
  printf (_("Added cloud account %1$s on %2$s (id %3$s).\n"), argv[1], site, cmtctl_path_id (path));
  return CMTCTL_EXIT_OK;
}

int
cmtctl_cmd_add_server (const CmtctlCommand *command,
                       int                  argc,
                       char               **argv)
{
  g_autofree char *expires = NULL;
  g_autofree char *basic_user = NULL;
  gboolean pat = FALSE;
  gboolean no_check = FALSE;
  const GOptionEntry entries[] = {
    { "pat", 0, 0, G_OPTION_ARG_NONE, &pat,
      N_("Authenticate with a personal access token (read from standard input)"), NULL },
    { "basic", 0, 0, G_OPTION_ARG_STRING, &basic_user,
      N_("Authenticate as this user with a password (read from standard input)"), N_("USERNAME") },
    { "expires", 0, 0, G_OPTION_ARG_STRING, &expires,
      N_("When the token or password expires"), N_("DATE") },
    { "no-check", 0, 0, G_OPTION_ARG_NONE, &no_check,
      N_("Store the credential without checking it against the server first (test mode only)"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtctlSecret) secret = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *path = NULL;
  g_autofree char *host = NULL;
  const char *product;
  gint64 expires_at = 0;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 2, 2, &argc, &argv, &exit_code))
    return exit_code;
  product = argv[1];
  if (!g_str_equal (product, "jira") && !g_str_equal (product, "confluence"))
    return cmtctl_usage_error (command->name,
                               _("Unknown product “%s”: give jira or confluence."), product);
  if (pat == (basic_user != NULL))
    return cmtctl_usage_error (command->name,
                               _("Give either --pat (a personal access token) or --basic USERNAME (a password)."));
  if (basic_user != NULL && *basic_user == '\0')
    return cmtctl_usage_error (command->name, _("The user name after --basic is empty."));
  if (expires != NULL && !cmtctl_parse_date (expires, TRUE, &expires_at, &error))
    return cmtctl_usage_error (command->name, "%s", error->message);

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);

  host = display_url (argv[2]);
  if (pat)
    /* Translators: a prompt; %s is a server such as jira.example.com. */
    prompt = g_strdup_printf (_("Personal access token for %s: "), host);
  else
    /* Translators: a prompt; %1$s is a user name, %2$s a server. */
    prompt = g_strdup_printf (_("Password of %1$s on %2$s: "), basic_user, host);
  secret = cmtctl_secret_read (prompt, &error);
  if (secret == NULL)
    return cmtctl_fail (error);

  if (!cmt_manager_call_add_server_sync (cmtctl_client_get_manager (client),
                                         product, argv[2],
                                         pat ? "pat" : "basic",
                                         pat ? "" : basic_user,
                                         secret, expires_at,
                                         add_options (no_check, 0),
                                         &path, NULL, &error))
    {
      cmtctl_error_from_call (&error);
      return cmtctl_fail (error);
    }

  /* Translators: %1$s is Jira or Confluence, %2$s the server, %3$s the new object's id. */
  printf (_("Added %1$s server %2$s (id %3$s).\n"), cmt_product_name (product), host, cmtctl_path_id (path));
  return CMTCTL_EXIT_OK;
}

int
cmtctl_cmd_add_connection (const CmtctlCommand *command,
                           int                  argc,
                           char               **argv)
{
  g_autofree char *renewed = NULL;
  gboolean no_check = FALSE;
  const GOptionEntry entries[] = {
    { "renewed-at", 0, 0, G_OPTION_ARG_STRING, &renewed,
      N_("When the token was last renewed, if you know it"), N_("DATE") },
    { "no-check", 0, 0, G_OPTION_ARG_NONE, &no_check,
      N_("Add the connection without checking the credentials first (test mode only)"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtObject) server_object = NULL;
  g_autoptr(CmtObject) account_object = NULL;
  g_autofree char *path = NULL;
  g_autofree char *host = NULL;
  g_autofree char *site_display = NULL;
  const char *site;
  CmtServer *server;
  gint64 renewed_at = 0;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 2, 3, &argc, &argv, &exit_code))
    return exit_code;
  if (renewed != NULL && !cmtctl_parse_date (renewed, FALSE, &renewed_at, &error))
    return cmtctl_usage_error (command->name, "%s", error->message);

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);

  server_object = cmtctl_client_lookup (client, argv[1], CMTCTL_KIND_SERVER, NULL, &error);
  if (server_object == NULL)
    return cmtctl_fail (error);
  account_object = cmtctl_client_lookup (client, argv[2], CMTCTL_KIND_ACCOUNT,
                                         argc > 3 ? argv[3] : NULL, &error);
  if (account_object == NULL)
    return cmtctl_fail (error);

  /* Without a site, the account's own site: the usual case. */
  site = argc > 3 ? argv[3] : cmt_cloud_account_get_site_url (cmt_object_peek_cloud_account (account_object));

  if (!cmt_manager_call_add_connection_sync (cmtctl_client_get_manager (client),
                                             g_dbus_object_get_object_path (G_DBUS_OBJECT (server_object)),
                                             g_dbus_object_get_object_path (G_DBUS_OBJECT (account_object)),
                                             site, add_options (no_check, renewed_at),
                                             &path, NULL, &error))
    {
      cmtctl_error_from_call (&error);
      return cmtctl_fail (error);
    }

  server = cmt_object_peek_server (server_object);
  host = cmt_url_display (cmt_server_get_base_url (server));
  site_display = display_url (site);
  /* Translators: %1$s is JCMA or CCMA, %2$s a server, %3$s a cloud site, %4$s the new object's id. */
  printf (_("Added %1$s connection %2$s → %3$s (id %4$s).\n"),
          cmt_assistant_short_name (cmt_server_get_product (server)), host, site_display, cmtctl_path_id (path));
  return CMTCTL_EXIT_OK;
}
