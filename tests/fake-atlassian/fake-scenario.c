/* fake-scenario.c: reads and strictly checks a scenario, so a typo fails loudly instead of testing nothing */
#include "fake-scenario.h"

#include <string.h>

G_DEFINE_QUARK (fake-scenario-error-quark, fake_scenario_error)

static const char * const endpoint_names[] = {
  [FAKE_ENDPOINT_TOKEN] = "token",
  [FAKE_ENDPOINT_CLOUD_MYSELF] = "cloud-myself",
  [FAKE_ENDPOINT_SERVER_MYSELF] = "server-myself",
  [FAKE_ENDPOINT_SAVE] = "save",
  [FAKE_ENDPOINT_ANY] = "any",
};

const char *
fake_endpoint_to_string (FakeEndpoint endpoint)
{
  g_return_val_if_fail (endpoint <= FAKE_ENDPOINT_ANY, NULL);
  return endpoint_names[endpoint];
}

static gboolean G_GNUC_PRINTF (2, 3)
invalid (GError     **error,
         const char  *format,
         ...)
{
  va_list args;

  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, FAKE_SCENARIO_ERROR, FAKE_SCENARIO_ERROR_INVALID, message);
  return FALSE;
}

static JsonObject *
expect_object (JsonNode    *node,
               const char  *where,
               GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (error, "%s: expected a JSON object", where);
      return NULL;
    }
  return json_node_get_object (node);
}

/* Unknown members are refused: a misspelt "delay" must not silently test nothing.
 * Members starting with "_" are comments. */
static gboolean
check_members (JsonObject         *object,
               const char         *where,
               const char * const *allowed,
               GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *member = l->data;

      if (member[0] == '_' || g_strv_contains (allowed, member))
        continue;
      return invalid (error, "%s: unknown member \"%s\"", where, member);
    }
  return TRUE;
}

static gboolean
get_string (JsonObject  *object,
            const char  *member,
            const char  *where,
            gboolean     required,
            char       **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        return invalid (error, "%s: missing \"%s\"", where, member);
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, "%s: \"%s\" must be a string", where, member);
  if (required && *json_node_get_string (node) == '\0')
    return invalid (error, "%s: \"%s\" must not be empty", where, member);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_bool (JsonObject  *object,
          const char  *member,
          const char  *where,
          gboolean    *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return invalid (error, "%s: \"%s\" must be true or false", where, member);
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_int (JsonObject  *object,
         const char  *member,
         const char  *where,
         gint64       min,
         gint64       max,
         gint64      *out,
         GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid (error, "%s: \"%s\" must be an integer", where, member);
  value = json_node_get_int (node);
  if (value < min || value > max)
    return invalid (error, "%s: \"%s\" must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
                    where, member, min, max);
  *out = value;
  return TRUE;
}

/* *out stays NULL when the member is absent; see array_length(). */
static gboolean
get_array (JsonObject  *object,
           const char  *member,
           const char  *where,
           JsonArray  **out,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, "%s: \"%s\" must be an array", where, member);
  *out = json_node_get_array (node);
  return TRUE;
}

static guint
array_length (JsonArray *array)
{
  return array != NULL ? json_array_get_length (array) : 0;
}

/* Names become URL path segments. */
static gboolean
check_name (const char  *name,
            const char  *where,
            GError     **error)
{
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.", *p) == NULL)
      return invalid (error, "%s: name \"%s\" may only hold letters, digits, \"-\", \"_\" and \".\"",
                      where, name);
  return TRUE;
}

void
fake_cloud_user_free (FakeCloudUser *user)
{
  if (user == NULL)
    return;
  g_free (user->email);
  g_free (user->api_token);
  g_free (user->display_name);
  g_free (user);
}

FakeCloudUser *
fake_cloud_user_from_node (JsonNode    *node,
                           const char  *where,
                           GError     **error)
{
  static const char * const allowed[] = { "email", "api_token", "display_name", "site_admin", "scoped", NULL };
  g_autoptr(FakeCloudUser) user = g_new0 (FakeCloudUser, 1);
  JsonObject *object;

  if ((object = expect_object (node, where, error)) == NULL ||
      !check_members (object, where, allowed, error) ||
      !get_string (object, "email", where, TRUE, &user->email, error) ||
      !get_string (object, "api_token", where, TRUE, &user->api_token, error) ||
      !get_string (object, "display_name", where, FALSE, &user->display_name, error) ||
      !get_bool (object, "site_admin", where, &user->site_admin, error) ||
      !get_bool (object, "scoped", where, &user->scoped, error))
    return NULL;
  if (user->display_name == NULL)
    user->display_name = g_strdup (user->email);
  return g_steal_pointer (&user);
}

static void
fake_site_free (FakeSite *site)
{
  g_free (site->name);
  g_ptr_array_unref (site->users);
  g_free (site);
}

static void
fake_server_user_free (FakeServerUser *user)
{
  g_free (user->username);
  g_free (user->password);
  g_free (user->display_name);
  g_free (user);
}

static void
fake_server_def_free (FakeServerDef *server)
{
  g_free (server->name);
  g_ptr_array_unref (server->pats);
  g_ptr_array_unref (server->users);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeSite, fake_site_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeServerUser, fake_server_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeServerDef, fake_server_def_free)

void
fake_fault_free (FakeFault *fault)
{
  if (fault == NULL)
    return;
  g_free (fault->target);
  g_free (fault);
}

FakeFault *
fake_fault_from_node (JsonNode    *node,
                      const char  *where,
                      GError     **error)
{
  static const char * const allowed[] = { "endpoint", "target", "status", "delay_ms", "body", "drop", "count",
                                          "location", "retry_after", NULL };
  g_autofree char *location = NULL;
  g_autofree char *retry_after = NULL;
  g_autoptr(FakeFault) fault = g_new0 (FakeFault, 1);
  g_autofree char *endpoint = NULL;
  g_autofree char *body = NULL;
  gint64 status = 0, delay_ms = 0;
  JsonObject *object;
  guint i;

  fault->count = -1;
  if ((object = expect_object (node, where, error)) == NULL ||
      !check_members (object, where, allowed, error) ||
      !get_string (object, "endpoint", where, TRUE, &endpoint, error) ||
      !get_string (object, "target", where, FALSE, &fault->target, error) ||
      !get_int (object, "status", where, 100, 599, &status, error) ||
      !get_int (object, "delay_ms", where, 0, 3600 * 1000, &delay_ms, error) ||
      !get_string (object, "body", where, FALSE, &body, error) ||
      !get_bool (object, "drop", where, &fault->drop, error) ||
      !get_int (object, "count", where, 1, G_MAXINT64, &fault->count, error) ||
      !get_string (object, "location", where, FALSE, &location, error) ||
      !get_string (object, "retry_after", where, FALSE, &retry_after, error))
    return NULL;
  if ((location != NULL && strlen (location) >= sizeof fault->location) ||
      (retry_after != NULL && strlen (retry_after) >= sizeof fault->retry_after))
    {
      invalid (error, "%s: \"location\" or \"retry_after\" is too long", where);
      return NULL;
    }
  if (location != NULL)
    g_strlcpy (fault->location, location, sizeof fault->location);
  if (retry_after != NULL)
    g_strlcpy (fault->retry_after, retry_after, sizeof fault->retry_after);

  for (i = 0; i <= FAKE_ENDPOINT_ANY; i++)
    if (g_str_equal (endpoint, endpoint_names[i]))
      break;
  if (i > FAKE_ENDPOINT_ANY)
    {
      invalid (error, "%s: \"endpoint\" must be token, cloud-myself, server-myself, save or any, not \"%s\"",
               where, endpoint);
      return NULL;
    }
  fault->endpoint = i;
  fault->status = status;
  fault->delay_ms = delay_ms;

  if (body == NULL)
    fault->body = FAKE_BODY_NONE;
  else if (g_str_equal (body, "malformed"))
    fault->body = FAKE_BODY_MALFORMED;
  else if (g_str_equal (body, "huge"))
    fault->body = FAKE_BODY_HUGE;
  else if (g_str_equal (body, "empty-object"))
    fault->body = FAKE_BODY_EMPTY_OBJECT;
  else if (g_str_equal (body, "not-logged-in"))
    fault->body = FAKE_BODY_NOT_LOGGED_IN;
  else if (g_str_equal (body, "login-html"))
    fault->body = FAKE_BODY_LOGIN_HTML;
  else if (g_str_equal (body, "wrong-cloud-url"))
    fault->body = FAKE_BODY_WRONG_CLOUD_URL;
  else if (g_str_equal (body, "control-token"))
    fault->body = FAKE_BODY_CONTROL_TOKEN;
  else if (g_str_equal (body, "drip"))
    fault->body = FAKE_BODY_DRIP;
  else if (g_str_equal (body, "anonymous"))
    fault->body = FAKE_BODY_ANONYMOUS;
  else if (g_str_equal (body, "seraph-failed"))
    fault->body = FAKE_BODY_SERAPH_FAILED;
  else if (g_str_equal (body, "seraph-captcha"))
    fault->body = FAKE_BODY_SERAPH_CAPTCHA;
  else if (g_str_equal (body, "basic-disabled"))
    fault->body = FAKE_BODY_BASIC_DISABLED;
  else if (g_str_equal (body, "tomcat-500"))
    fault->body = FAKE_BODY_TOMCAT_500;
  else if (g_str_equal (body, "error-messages"))
    fault->body = FAKE_BODY_ERROR_MESSAGES;
  else
    {
      invalid (error, "%s: \"body\" must be malformed, huge, empty-object, not-logged-in, login-html, wrong-cloud-url, control-token, drip, anonymous, seraph-failed, seraph-captcha, basic-disabled, tomcat-500 or error-messages, not \"%s\"", where, body);
      return NULL;
    }

  if (fault->drop && (fault->status != 0 || fault->body != FAKE_BODY_NONE))
    {
      invalid (error, "%s: a fault that drops the connection cannot also set \"status\" or \"body\"", where);
      return NULL;
    }
  if (!fault->drop && fault->status == 0 && fault->body == FAKE_BODY_NONE &&
      json_object_get_member (object, "delay_ms") == NULL)
    {
      invalid (error, "%s: a fault needs \"status\", \"delay_ms\", \"body\" or \"drop\"", where);
      return NULL;
    }
  return g_steal_pointer (&fault);
}

static FakeSite *
site_from_node (JsonNode    *node,
                const char  *where,
                GError     **error)
{
  static const char * const allowed[] = { "name", "confluence_only", "users", NULL };
  g_autoptr(FakeSite) site = g_new0 (FakeSite, 1);
  JsonObject *object;
  JsonArray *users;

  site->users = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_cloud_user_free);
  if ((object = expect_object (node, where, error)) == NULL ||
      !check_members (object, where, allowed, error) ||
      !get_string (object, "name", where, TRUE, &site->name, error) ||
      !check_name (site->name, where, error) ||
      !get_bool (object, "confluence_only", where, &site->confluence_only, error) ||
      !get_array (object, "users", where, &users, error))
    return NULL;

  for (guint i = 0; i < array_length (users); i++)
    {
      g_autofree char *user_where = g_strdup_printf ("%s.users[%u]", where, i);
      FakeCloudUser *user = fake_cloud_user_from_node (json_array_get_element (users, i), user_where, error);

      if (user == NULL)
        return NULL;
      g_ptr_array_add (site->users, user);
      for (guint j = 0; j + 1 < site->users->len; j++)
        if (g_ascii_strcasecmp (((FakeCloudUser *) site->users->pdata[j])->email, user->email) == 0)
          {
            invalid (error, "%s: email \"%s\" appears twice", user_where, user->email);
            return NULL;
          }
    }
  return g_steal_pointer (&site);
}

static FakeServerUser *
server_user_from_node (JsonNode    *node,
                       const char  *where,
                       GError     **error)
{
  static const char * const allowed[] = { "username", "password", "display_name", NULL };
  g_autoptr(FakeServerUser) user = g_new0 (FakeServerUser, 1);
  JsonObject *object;

  if ((object = expect_object (node, where, error)) == NULL ||
      !check_members (object, where, allowed, error) ||
      !get_string (object, "username", where, TRUE, &user->username, error) ||
      !get_string (object, "password", where, TRUE, &user->password, error) ||
      !get_string (object, "display_name", where, FALSE, &user->display_name, error))
    return NULL;
  if (user->display_name == NULL)
    user->display_name = g_strdup (user->username);
  return g_steal_pointer (&user);
}

static FakeServerDef *
server_from_node (JsonNode    *node,
                  const char  *where,
                  GError     **error)
{
  static const char * const allowed[] = { "name", "product", "migration_api", "pats", "users", NULL };
  g_autoptr(FakeServerDef) server = g_new0 (FakeServerDef, 1);
  g_autofree char *product = NULL;
  JsonObject *object;
  JsonArray *pats, *users;

  server->migration_api = TRUE;
  server->pats = g_ptr_array_new_with_free_func (g_free);
  server->users = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_server_user_free);
  if ((object = expect_object (node, where, error)) == NULL ||
      !check_members (object, where, allowed, error) ||
      !get_string (object, "name", where, TRUE, &server->name, error) ||
      !check_name (server->name, where, error) ||
      !get_string (object, "product", where, TRUE, &product, error) ||
      !get_bool (object, "migration_api", where, &server->migration_api, error) ||
      !get_array (object, "pats", where, &pats, error) ||
      !get_array (object, "users", where, &users, error))
    return NULL;

  if (g_str_equal (product, "confluence"))
    server->confluence = TRUE;
  else if (!g_str_equal (product, "jira"))
    {
      invalid (error, "%s: \"product\" must be \"jira\" or \"confluence\", not \"%s\"", where, product);
      return NULL;
    }

  for (guint i = 0; i < array_length (pats); i++)
    {
      JsonNode *pat = json_array_get_element (pats, i);

      if (json_node_get_value_type (pat) != G_TYPE_STRING || *json_node_get_string (pat) == '\0')
        {
          invalid (error, "%s.pats[%u]: must be a non-empty string", where, i);
          return NULL;
        }
      g_ptr_array_add (server->pats, g_strdup (json_node_get_string (pat)));
    }

  for (guint i = 0; i < array_length (users); i++)
    {
      g_autofree char *user_where = g_strdup_printf ("%s.users[%u]", where, i);
      FakeServerUser *user = server_user_from_node (json_array_get_element (users, i), user_where, error);

      if (user == NULL)
        return NULL;
      g_ptr_array_add (server->users, user);
      for (guint j = 0; j + 1 < server->users->len; j++)
        if (g_str_equal (((FakeServerUser *) server->users->pdata[j])->username, user->username))
          {
            invalid (error, "%s: username \"%s\" appears twice", user_where, user->username);
            return NULL;
          }
    }
  return g_steal_pointer (&server);
}

void
fake_scenario_free (FakeScenario *scenario)
{
  if (scenario == NULL)
    return;
  g_clear_pointer (&scenario->sites, g_ptr_array_unref);
  g_clear_pointer (&scenario->servers, g_ptr_array_unref);
  g_clear_pointer (&scenario->faults, g_ptr_array_unref);
  g_free (scenario);
}

FakeSite *
fake_scenario_find_site (FakeScenario *scenario,
                         const char   *name)
{
  for (guint i = 0; i < scenario->sites->len; i++)
    {
      FakeSite *site = scenario->sites->pdata[i];

      if (g_str_equal (site->name, name))
        return site;
    }
  return NULL;
}

FakeServerDef *
fake_scenario_find_server (FakeScenario *scenario,
                           const char   *name)
{
  for (guint i = 0; i < scenario->servers->len; i++)
    {
      FakeServerDef *server = scenario->servers->pdata[i];

      if (g_str_equal (server->name, name))
        return server;
    }
  return NULL;
}

FakeScenario *
fake_scenario_from_node (JsonNode  *node,
                         GError   **error)
{
  static const char * const allowed[] = { "auth_token_lifetime_seconds", "sites", "servers", "faults", NULL };
  g_autoptr(FakeScenario) scenario = g_new0 (FakeScenario, 1);
  JsonObject *object;
  JsonArray *sites, *servers, *faults;
  JsonNode *lifetime;

  scenario->auth_token_lifetime_seconds = 300;
  scenario->sites = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_site_free);
  scenario->servers = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_server_def_free);
  scenario->faults = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_fault_free);

  if ((object = expect_object (node, "scenario", error)) == NULL ||
      !check_members (object, "scenario", allowed, error) ||
      !get_array (object, "sites", "scenario", &sites, error) ||
      !get_array (object, "servers", "scenario", &servers, error) ||
      !get_array (object, "faults", "scenario", &faults, error))
    return NULL;

  lifetime = json_object_get_member (object, "auth_token_lifetime_seconds");
  if (lifetime != NULL)
    {
      GType type = json_node_get_value_type (lifetime);

      if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        {
          invalid (error, "scenario: \"auth_token_lifetime_seconds\" must be a number");
          return NULL;
        }
      scenario->auth_token_lifetime_seconds = json_node_get_double (lifetime);
      if (!(scenario->auth_token_lifetime_seconds > 0))
        {
          invalid (error, "scenario: \"auth_token_lifetime_seconds\" must be greater than 0");
          return NULL;
        }
    }

  for (guint i = 0; i < array_length (sites); i++)
    {
      g_autofree char *where = g_strdup_printf ("sites[%u]", i);
      FakeSite *site = site_from_node (json_array_get_element (sites, i), where, error);

      if (site == NULL)
        return NULL;
      if (fake_scenario_find_site (scenario, site->name) != NULL)
        {
          invalid (error, "%s: site \"%s\" appears twice", where, site->name);
          fake_site_free (site);
          return NULL;
        }
      g_ptr_array_add (scenario->sites, site);
    }

  for (guint i = 0; i < array_length (servers); i++)
    {
      g_autofree char *where = g_strdup_printf ("servers[%u]", i);
      FakeServerDef *server = server_from_node (json_array_get_element (servers, i), where, error);

      if (server == NULL)
        return NULL;
      if (fake_scenario_find_server (scenario, server->name) != NULL)
        {
          invalid (error, "%s: server \"%s\" appears twice", where, server->name);
          fake_server_def_free (server);
          return NULL;
        }
      g_ptr_array_add (scenario->servers, server);
    }

  for (guint i = 0; i < array_length (faults); i++)
    {
      g_autofree char *where = g_strdup_printf ("faults[%u]", i);
      FakeFault *fault = fake_fault_from_node (json_array_get_element (faults, i), where, error);

      if (fault == NULL)
        return NULL;
      g_ptr_array_add (scenario->faults, fault);
    }

  return g_steal_pointer (&scenario);
}

FakeScenario *
fake_scenario_load (const char  *path,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  FakeScenario *scenario;

  if (!json_parser_load_from_file (parser, path, &local_error))
    {
      g_set_error (error, FAKE_SCENARIO_ERROR, FAKE_SCENARIO_ERROR_INVALID,
                   "%s: %s", path, local_error->message);
      return NULL;
    }
  scenario = fake_scenario_from_node (json_parser_get_root (parser), &local_error);
  if (scenario == NULL)
    g_set_error (error, FAKE_SCENARIO_ERROR, FAKE_SCENARIO_ERROR_INVALID,
                 "%s: %s", path, local_error->message);
  return scenario;
}
