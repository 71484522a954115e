/* cmtd-notifier.c: tells the desktop about expiries, once each, through org.freedesktop.Notifications */
#include <glib/gi18n-lib.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cmt-expiry.h"
#include "cmt-product.h"
#include "cmt-url.h"
#include "cmtd-notifier.h"

#define NOTIFICATIONS_NAME  "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH  "/org/freedesktop/Notifications"
#define NOTIFICATIONS_IFACE "org.freedesktop.Notifications"
#define APP_OBJECT_PATH     "/io/github/cmatoken"
#define APP_IFACE           "org.freedesktop.Application"

/* Events posted this close together are delivered as one batch; a timer that
 * a burst does not push back, so the first event waits at most this long. */
#define BATCH_WINDOW_MS      500
/* From this many objects in one batch on, one summary instead of one each:
 * two notifications still read well, three start to be a flood. */
#define SUMMARY_MIN_OBJECTS  3
#define SUMMARY_MAX_LINES    5
/* Changes are written together, a moment after the last one. */
#define SAVE_DELAY_MS        100

#define STATE_GROUP          "notifier"
#define RECORD_GROUP_PREFIX  "record "

#define URGENCY_LOW      0
#define URGENCY_NORMAL   1
#define URGENCY_CRITICAL 2

/* Announcements of changes kept while no notification server is there. */
#define MAX_WAITING_ANNOUNCEMENTS 32

#define NO_EVENT (-1)
#define EVENT_BIT(e) (1u << (e))
#define PROBLEM_EVENTS (EVENT_BIT (CMTD_EVENT_EXPIRING) | EVENT_BIT (CMTD_EVENT_EXPIRED) | \
                        EVENT_BIT (CMTD_EVENT_INVALID) | EVENT_BIT (CMTD_EVENT_RENEW_FAILED))

static const char * const event_names[] = {
  [CMTD_EVENT_EXPIRING] = "expiring",
  [CMTD_EVENT_EXPIRED] = "expired",
  [CMTD_EVENT_INVALID] = "invalid",
  [CMTD_EVENT_RENEWED] = "renewed",
  [CMTD_EVENT_RENEW_FAILED] = "renew-failed",
};

static const char * const kind_names[] = {
  [CMTD_SUBJECT_CONNECTION] = "connection",
  [CMTD_SUBJECT_CLOUD_ACCOUNT] = "cloud-account",
  [CMTD_SUBJECT_SERVER] = "server",
};

/* What we know about one object's notifications. "Announced" events are
 * recorded when posted, whether delivered yet or not: an event is posted
 * once per episode, and an episode is one expiry date (a renewal or a new
 * credential starts the next one). */
typedef struct
{
  char            *object_id;
  CmtdSubjectKind  kind;
  char            *product;
  char            *server_url;
  char            *cloud_site_url;
  char            *email;
  char            *error_message;
  gint64           expires_at;
  guint            announced;        /* EVENT_BIT()s */
  int              pending;          /* waiting for delivery, or NO_EVENT */
  int              sending;          /* in a Notify call now, or NO_EVENT */
  int              shown;            /* what notification_id shows, or NO_EVENT */
  guint32          notification_id;  /* 0: none we know of */
  guint32          summary_id;       /* the summary it was announced in, this run */
  guint            serial;           /* matches the Notify in flight */
} Record;

/* Writes the state file from a worker thread. Shared between the notifier
 * and its save jobs, so a late job can never overwrite a newer state. */
typedef struct
{
  GMutex   lock;
  char    *path;
  guint64  written;    /* generation on disk */
} StateWriter;

typedef struct
{
  StateWriter *writer;
  GBytes      *data;
  guint64      generation;
} SaveJob;

struct _CmtdNotifier
{
  GObject          parent_instance;

  GDBusConnection *bus;
  char            *state_path;
  GSettings       *settings;          /* NULL without the schema */
  GCancellable    *cancellable;

  GHashTable      *records;           /* object id → Record */
  GHashTable      *summaries;         /* summary notification ids (this run) */
  GHashTable      *activation_tokens; /* notification id → XDG activation token */
  GQueue           announcements;     /* strv {summary, body}: waiting for a server */

  guint            watch_id;
  guint            action_subscription;
  guint            closed_subscription;
  guint            token_subscription;
  char            *server_owner;      /* the notification server's unique name, NULL when absent */
  char            *ids_owner;         /* "bus guid/unique name" of the server that gave the ids */
  gboolean         body_markup;
  gboolean         asking_capabilities;

  gint64           now_offset;        /* $CMATOKEN_NOW_OFFSET, as the daemon's clock */
  guint            next_serial;
  guint            flush_source;
  guint            save_source;

  StateWriter     *writer;
  guint64          generation;
  GBytes          *last_data;         /* the newest state handed to a writer */
};

G_DEFINE_FINAL_TYPE (CmtdNotifier, cmtd_notifier, G_TYPE_OBJECT)

static void schedule_flush (CmtdNotifier *self, guint delay_ms);
static void schedule_save  (CmtdNotifier *self);

/* --- records --- */

static void
record_free (gpointer data)
{
  Record *rec = data;

  g_free (rec->object_id);
  g_free (rec->product);
  g_free (rec->server_url);
  g_free (rec->cloud_site_url);
  g_free (rec->email);
  g_free (rec->error_message);
  g_free (rec);
}

static Record *
record_new (const char *object_id)
{
  Record *rec = g_new0 (Record, 1);

  rec->object_id = g_strdup (object_id);
  rec->pending = NO_EVENT;
  rec->sending = NO_EVENT;
  rec->shown = NO_EVENT;
  return rec;
}

static gboolean
is_problem (int event)
{
  return event != NO_EVENT && (PROBLEM_EVENTS & EVENT_BIT (event)) != 0;
}

static int
event_from_string (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (event_names); i++)
    if (g_str_equal (name, event_names[i]))
      return (int) i;
  return NO_EVENT;
}

static int
kind_from_string (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_equal (name, kind_names[i]))
      return (int) i;
  return -1;
}

static void
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

static Record *
find_by_notification_id (CmtdNotifier *self,
                         guint32       id)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Record *) value)->notification_id == id)
      return value;
  return NULL;
}

static gboolean
summary_has_members (CmtdNotifier *self,
                     guint32       summary_id)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Record *) value)->summary_id == summary_id)
      return TRUE;
  return FALSE;
}

static gboolean
has_pending (CmtdNotifier *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Record *) value)->pending != NO_EVENT)
      return TRUE;
  return FALSE;
}

static gboolean
notifications_enabled (CmtdNotifier *self)
{
  return self->settings == NULL ||
         g_settings_get_boolean (self->settings, "notifications-enabled");
}

/* --- the state file --- */

static StateWriter *
state_writer_new (const char *path)
{
  StateWriter *writer = g_atomic_rc_box_new0 (StateWriter);

  g_mutex_init (&writer->lock);
  writer->path = g_strdup (path);
  return writer;
}

static void
state_writer_clear (gpointer data)
{
  StateWriter *writer = data;

  g_mutex_clear (&writer->lock);
  g_free (writer->path);
}

static void
state_writer_unref (StateWriter *writer)
{
  g_atomic_rc_box_release_full (writer, state_writer_clear);
}

static gboolean
state_writer_write (StateWriter  *writer,
                    GBytes       *data,
                    guint64       generation,
                    GError      **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&writer->lock);
  g_autofree char *dir = NULL;
  gsize len;
  const char *contents;

  if (generation <= writer->written)
    return TRUE;

  dir = g_path_get_dirname (writer->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not create %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  contents = g_bytes_get_data (data, &len);
  if (!g_file_set_contents_full (writer->path, contents, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;

  writer->written = generation;
  return TRUE;
}

static void
save_job_free (gpointer data)
{
  SaveJob *job = data;

  state_writer_unref (job->writer);
  g_bytes_unref (job->data);
  g_free (job);
}

static void
save_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SaveJob *job = task_data;
  g_autoptr(GError) error = NULL;

  /* Nobody waits for the result: a state that could not be written means
   * at worst an event is announced again after a restart. */
  if (!state_writer_write (job->writer, job->data, job->generation, &error))
    g_warning ("Could not remember the announced notifications in %s: %s",
               job->writer->path, error->message);
  g_task_return_boolean (task, TRUE);
}

static GBytes *
serialize_state (CmtdNotifier *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  GHashTableIter iter;
  gpointer value;
  guint n = 0;
  char *data;
  gsize len;

  g_key_file_set_integer (kf, STATE_GROUP, "version", 1);
  if (self->ids_owner != NULL)
    g_key_file_set_string (kf, STATE_GROUP, "ids-owner", self->ids_owner);

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Record *rec = value;
      g_autofree char *group = g_strdup_printf (RECORD_GROUP_PREFIX "%u", n++);
      const char *announced[G_N_ELEMENTS (event_names) + 1];
      guint n_announced = 0;
      int undelivered = rec->pending;
      int shown = rec->shown;

      for (guint e = 0; e < G_N_ELEMENTS (event_names); e++)
        if (rec->announced & EVENT_BIT (e))
          announced[n_announced++] = event_names[e];
      announced[n_announced] = NULL;

      /* A Notify on its way to a server that is there is as good as shown:
       * counting it pending would show it twice after a restart. */
      if (rec->sending != NO_EVENT)
        {
          if (self->server_owner == NULL)
            undelivered = undelivered != NO_EVENT ? undelivered : rec->sending;
          else
            shown = rec->sending;
        }

      g_key_file_set_string (kf, group, "object-id", rec->object_id);
      g_key_file_set_string (kf, group, "kind", kind_names[rec->kind]);
      g_key_file_set_int64 (kf, group, "expires-at", rec->expires_at);
      g_key_file_set_string_list (kf, group, "announced", announced, n_announced);
      if (undelivered != NO_EVENT)
        g_key_file_set_string (kf, group, "pending", event_names[undelivered]);
      if (shown != NO_EVENT)
        g_key_file_set_string (kf, group, "shown", event_names[shown]);
      if (rec->notification_id != 0)
        g_key_file_set_uint64 (kf, group, "notification-id", rec->notification_id);
      /* What a restart needs to word an undelivered event; none is a secret. */
#define SET_OPTIONAL(key, field) \
      if (rec->field != NULL) g_key_file_set_string (kf, group, key, rec->field)
      SET_OPTIONAL ("product", product);
      SET_OPTIONAL ("server-url", server_url);
      SET_OPTIONAL ("cloud-site-url", cloud_site_url);
      SET_OPTIONAL ("email", email);
      SET_OPTIONAL ("error-message", error_message);
#undef SET_OPTIONAL
    }

  data = g_key_file_to_data (kf, &len, NULL);
  return g_bytes_new_take (data, len);
}

static gboolean
save_now (gpointer user_data)
{
  CmtdNotifier *self = user_data;
  g_autoptr(GTask) task = NULL;
  SaveJob *job;

  self->save_source = 0;
  if (self->state_path == NULL)
    return G_SOURCE_REMOVE;

  g_clear_pointer (&self->last_data, g_bytes_unref);
  self->last_data = serialize_state (self);

  job = g_new0 (SaveJob, 1);
  job->writer = g_atomic_rc_box_acquire (self->writer);
  job->data = g_bytes_ref (self->last_data);
  job->generation = ++self->generation;

  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, save_now);
  g_task_set_task_data (task, job, save_job_free);
  g_task_run_in_thread (task, save_in_thread);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (CmtdNotifier *self)
{
  if (self->save_source == 0)
    self->save_source = g_timeout_add (SAVE_DELAY_MS, save_now, self);
}

static void
load_state (CmtdNotifier *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  if (self->state_path == NULL)
    return;

  if (!g_key_file_load_from_file (kf, self->state_path, G_KEY_FILE_NONE, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Could not read the announced notifications from %s, so some may be "
                   "announced again: %s", self->state_path, error->message);
      return;
    }

  self->ids_owner = g_key_file_get_string (kf, STATE_GROUP, "ids-owner", NULL);

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];
      g_autofree char *object_id = NULL;
      g_autofree char *kind = NULL;
      g_autofree char *pending = NULL;
      g_autofree char *shown = NULL;
      g_auto(GStrv) announced = NULL;
      Record *rec;
      int kind_value;

      if (!g_str_has_prefix (group, RECORD_GROUP_PREFIX))
        continue;

      object_id = g_key_file_get_string (kf, group, "object-id", NULL);
      kind = g_key_file_get_string (kf, group, "kind", NULL);
      kind_value = kind_from_string (kind);
      if (object_id == NULL || *object_id == '\0' || kind_value < 0 ||
          g_hash_table_contains (self->records, object_id))
        continue;

      rec = record_new (object_id);
      rec->kind = (CmtdSubjectKind) kind_value;
      rec->expires_at = g_key_file_get_int64 (kf, group, "expires-at", NULL);
      announced = g_key_file_get_string_list (kf, group, "announced", NULL, NULL);
      for (guint j = 0; announced != NULL && announced[j] != NULL; j++)
        {
          int e = event_from_string (announced[j]);
          if (e != NO_EVENT)
            rec->announced |= EVENT_BIT (e);
        }
      pending = g_key_file_get_string (kf, group, "pending", NULL);
      rec->pending = event_from_string (pending);
      if (rec->pending != NO_EVENT)
        rec->announced |= EVENT_BIT (rec->pending);
      shown = g_key_file_get_string (kf, group, "shown", NULL);
      rec->shown = event_from_string (shown);
      rec->notification_id = (guint32) MIN (g_key_file_get_uint64 (kf, group, "notification-id", NULL),
                                            G_MAXUINT32);
      rec->product = g_key_file_get_string (kf, group, "product", NULL);
      rec->server_url = g_key_file_get_string (kf, group, "server-url", NULL);
      rec->cloud_site_url = g_key_file_get_string (kf, group, "cloud-site-url", NULL);
      rec->email = g_key_file_get_string (kf, group, "email", NULL);
      rec->error_message = g_key_file_get_string (kf, group, "error-message", NULL);

      if (rec->announced == 0)
        {
          record_free (rec);
          continue;
        }
      g_hash_table_insert (self->records, rec->object_id, rec);
    }
}

/* --- wording --- */

typedef struct
{
  char    *summary;
  char    *body;
  guint8   urgency;
  const char *category;
} Message;

static void
message_clear (Message *msg)
{
  g_clear_pointer (&msg->summary, g_free);
  g_clear_pointer (&msg->body, g_free);
}

static const char *
assistant_name (const Record *rec)
{
  return cmt_assistant_short_name (rec->product);
}

static const char *
product_name (const Record *rec)
{
  return cmt_product_name (rec->product);
}

static char *
display_url (const char *url,
             const char *fallback)
{
  if (url == NULL || *url == '\0')
    return g_strdup (fallback);
  return cmt_url_display (url);
}

/* Rounded up, like cmt_expiry_describe(): "in 5 days" until 4 days are left. */
static int
days_left (gint64 delta)
{
  return (int) MIN ((delta + CMT_SECONDS_PER_DAY - 1) / CMT_SECONDS_PER_DAY, G_MAXINT);
}

static int
hours_left (gint64 delta)
{
  return (int) MAX ((delta + 3599) / 3600, 1);
}

/*
 * What went wrong, without the advice: the service's errors say the cause,
 * then what to do in a dialog ("…enter it again"); a notification gives its
 * own one piece of advice after the cause, so the error's first sentence
 * only ("." or "。" followed by a space or the end, never the dot of an address).
 */
char *
cmtd_notifier_cause (const char *message)
{
  const char *end = NULL;

  if (message == NULL || *message == '\0')
    return g_strdup (_("No reason was given."));
  for (const char *p = message; *p != '\0' && end == NULL; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      const char *next = g_utf8_next_char (p);

      if (c == 0x3002 /* 。 */ && *next != '\0')
        end = next;
      else if (c == '.' && (*next == ' ' || *next == '\n') && next[1] != '\0')
        end = next;
    }
  return end != NULL ? g_strndup (message, end - message) : g_strdup (message);
}

static char *
error_text (const Record *rec)
{
  return cmtd_notifier_cause (rec->error_message);
}

static void
word_connection (const Record *rec,
                 int           event,
                 gint64        now,
                 Message      *msg)
{
  g_autofree char *cause = error_text (rec);
  const char *cma = assistant_name (rec);
  g_autofree char *host = display_url (rec->server_url, rec->object_id);
  g_autofree char *site = display_url (rec->cloud_site_url, "?");
  g_autofree char *date = rec->expires_at > 0 ? cmt_expiry_format_date (rec->expires_at) : NULL;
  gint64 delta = rec->expires_at - now;

  switch (event)
    {
    case CMTD_EVENT_EXPIRING:
      msg->urgency = URGENCY_NORMAL;
      msg->category = "x-cmatoken.expiring";
      if (rec->expires_at <= 0 || delta <= 0)
        /* Translators: %1$s is "JCMA" or "CCMA", %2$s a server's host name. */
        msg->summary = g_strdup_printf (_("The %1$s token for %2$s expires soon"), cma, host);
      else if (delta < CMT_SECONDS_PER_DAY)
        msg->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     /* Translators: %1$s is "JCMA" or "CCMA", %2$s a server's host name. */
                                                     "The %1$s token for %2$s expires in %3$d hour",
                                                     "The %1$s token for %2$s expires in %3$d hours",
                                                     hours_left (delta)),
                                        cma, host, hours_left (delta));
      else
        msg->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     /* Translators: %1$s is "JCMA" or "CCMA", %2$s a server's host name. */
                                                     "The %1$s token for %2$s expires in %3$d day",
                                                     "The %1$s token for %2$s expires in %3$d days",
                                                     days_left (delta)),
                                        cma, host, days_left (delta));
      if (date != NULL)
        /* Translators: %1$s is a server's host name, %2$s a cloud site's host
         * name, %3$s a date ("12 December"). */
        msg->body = g_strdup_printf (_("Migrations from %1$s to %2$s stop working on %3$s. "
                                       "Renew the token before then."), host, site, date);
      else
        msg->body = g_strdup_printf (_("Migrations from %1$s to %2$s stop working soon. "
                                       "Renew the token before then."), host, site);
      break;

    case CMTD_EVENT_EXPIRED:
      msg->urgency = URGENCY_CRITICAL;
      msg->category = "x-cmatoken.expired";
      /* Translators: %1$s is "JCMA" or "CCMA", %2$s a server's host name. */
      msg->summary = g_strdup_printf (_("The %1$s token for %2$s has expired"), cma, host);
      if (date != NULL)
        /* Translators: %1$s is a server's host name, %2$s a cloud site's host
         * name, %3$s a date ("12 December"). */
        msg->body = g_strdup_printf (_("Migrations from %1$s to %2$s stopped working on %3$s. "
                                       "Renew the token to migrate again."), host, site, date);
      else
        msg->body = g_strdup_printf (_("Migrations from %1$s to %2$s have stopped working. "
                                       "Renew the token to migrate again."), host, site);
      break;

    case CMTD_EVENT_INVALID:
      msg->urgency = URGENCY_CRITICAL;
      msg->category = "x-cmatoken.invalid";
      /* Translators: %1$s is "JCMA" or "CCMA", %2$s a server's host name. */
      msg->summary = g_strdup_printf (_("The %1$s token for %2$s was refused"), cma, host);
      /* Translators: %1$s is the reason, a sentence; %2$s a cloud site's host name. */
      msg->body = g_strdup_printf (_("%1$s\nRenew the token to migrate to %2$s again."),
                                   cause, site);
      break;

    case CMTD_EVENT_RENEWED:
      msg->urgency = URGENCY_LOW;
      msg->category = "x-cmatoken.renewed";
      /* Translators: %1$s is "JCMA" or "CCMA", %2$s a server's host name. */
      msg->summary = g_strdup_printf (_("The %1$s token for %2$s was renewed automatically"), cma, host);
      if (date != NULL)
        /* Translators: %1$s is a server's host name, %2$s a cloud site's host
         * name, %3$s a date ("12 December"). */
        msg->body = g_strdup_printf (_("Migrations from %1$s to %2$s work until %3$s."),
                                     host, site, date);
      else
        msg->body = g_strdup_printf (_("Migrations from %1$s to %2$s work again."), host, site);
      break;

    case CMTD_EVENT_RENEW_FAILED:
    default:
      msg->urgency = (rec->expires_at > 0 && delta < CMT_SECONDS_PER_DAY)
                       ? URGENCY_CRITICAL : URGENCY_NORMAL;
      msg->category = "x-cmatoken.renew-failed";
      /* Translators: %1$s is "JCMA" or "CCMA", %2$s a server's host name. */
      msg->summary = g_strdup_printf (_("The %1$s token for %2$s could not be renewed automatically"),
                                      cma, host);
      if (date != NULL && delta > 0)
        /* Translators: %1$s is the reason, a sentence; %2$s a date ("12 December"). */
        msg->body = g_strdup_printf (_("%1$s\nThe current token expires on %2$s: renew it by hand before then."),
                                     cause, date);
      else
        /* Translators: %s is the reason, a sentence. */
        msg->body = g_strdup_printf (_("%s\nRenew the token by hand to migrate again."),
                                     cause);
      break;
    }
}

static void
word_cloud_account (const Record *rec,
                    int           event,
                    gint64        now,
                    Message      *msg)
{
  g_autofree char *cause = error_text (rec);
  const char *email = rec->email != NULL && *rec->email != '\0' ? rec->email : rec->object_id;
  g_autofree char *site = display_url (rec->cloud_site_url, "?");
  g_autofree char *date = rec->expires_at > 0 ? cmt_expiry_format_date (rec->expires_at) : NULL;
  gint64 delta = rec->expires_at - now;

  switch (event)
    {
    case CMTD_EVENT_EXPIRING:
      msg->urgency = URGENCY_NORMAL;
      msg->category = "x-cmatoken.expiring";
      if (rec->expires_at <= 0 || delta <= 0)
        /* Translators: %s is an email address. */
        msg->summary = g_strdup_printf (_("The Atlassian API token of %s expires soon"), email);
      else if (delta < CMT_SECONDS_PER_DAY)
        msg->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     /* Translators: %1$s is an email address. */
                                                     "The Atlassian API token of %1$s expires in %2$d hour",
                                                     "The Atlassian API token of %1$s expires in %2$d hours",
                                                     hours_left (delta)),
                                        email, hours_left (delta));
      else
        msg->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     /* Translators: %1$s is an email address. */
                                                     "The Atlassian API token of %1$s expires in %2$d day",
                                                     "The Atlassian API token of %1$s expires in %2$d days",
                                                     days_left (delta)),
                                        email, days_left (delta));
      if (date != NULL)
        /* Translators: %1$s is a date ("12 December"), %2$s a cloud site's host name. */
        msg->body = g_strdup_printf (_("After %1$s, migration tokens for %2$s cannot be renewed with it. "
                                       "Create a new API token at id.atlassian.com and replace it in cmatoken."),
                                     date, site);
      else
        /* Translators: %s is a cloud site's host name. */
        msg->body = g_strdup_printf (_("Soon migration tokens for %s cannot be renewed with it. "
                                       "Create a new API token at id.atlassian.com and replace it in cmatoken."),
                                     site);
      break;

    case CMTD_EVENT_EXPIRED:
      msg->urgency = URGENCY_CRITICAL;
      msg->category = "x-cmatoken.expired";
      /* Translators: %s is an email address. */
      msg->summary = g_strdup_printf (_("The Atlassian API token of %s has expired"), email);
      /* Translators: %s is a cloud site's host name. */
      msg->body = g_strdup_printf (_("Migration tokens for %s cannot be renewed with it any more. "
                                     "Create a new API token at id.atlassian.com and replace it in cmatoken."),
                                   site);
      break;

    case CMTD_EVENT_RENEWED:
      msg->urgency = URGENCY_LOW;
      msg->category = "x-cmatoken.renewed";
      /* Translators: %s is an email address. */
      msg->summary = g_strdup_printf (_("The Atlassian API token of %s works again"), email);
      /* Translators: %s is a cloud site's host name. */
      msg->body = g_strdup_printf (_("Migration tokens for %s can be renewed again."), site);
      break;

    case CMTD_EVENT_INVALID:
    case CMTD_EVENT_RENEW_FAILED:
    default:
      msg->urgency = URGENCY_CRITICAL;
      msg->category = "x-cmatoken.invalid";
      /* Translators: %s is an email address. */
      msg->summary = g_strdup_printf (_("The Atlassian API token of %s was refused"), email);
      /* Translators: %s is the reason, a sentence. */
      msg->body = g_strdup_printf (_("%s\nCreate a new API token at id.atlassian.com and replace it in cmatoken."),
                                   cause);
      break;
    }
}

static void
word_server (const Record *rec,
             int           event,
             gint64        now,
             Message      *msg)
{
  g_autofree char *cause = error_text (rec);
  const char *product = product_name (rec);
  g_autofree char *host = display_url (rec->server_url, rec->object_id);
  g_autofree char *date = rec->expires_at > 0 ? cmt_expiry_format_date (rec->expires_at) : NULL;
  gint64 delta = rec->expires_at - now;

  /* "Credential": the service knows whether it is a personal access token
   * or a password, but one word keeps the sentences few. */
  switch (event)
    {
    case CMTD_EVENT_EXPIRING:
      msg->urgency = URGENCY_NORMAL;
      msg->category = "x-cmatoken.expiring";
      if (rec->expires_at <= 0 || delta <= 0)
        /* Translators: %s is a server's host name. */
        msg->summary = g_strdup_printf (_("The credential for %s expires soon"), host);
      else if (delta < CMT_SECONDS_PER_DAY)
        msg->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     /* Translators: %1$s is a server's host name. */
                                                     "The credential for %1$s expires in %2$d hour",
                                                     "The credential for %1$s expires in %2$d hours",
                                                     hours_left (delta)),
                                        host, hours_left (delta));
      else
        msg->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     /* Translators: %1$s is a server's host name. */
                                                     "The credential for %1$s expires in %2$d day",
                                                     "The credential for %1$s expires in %2$d days",
                                                     days_left (delta)),
                                        host, days_left (delta));
      if (date != NULL)
        /* Translators: %1$s is a date ("12 December"), %2$s "Jira" or "Confluence". */
        msg->body = g_strdup_printf (_("After %1$s, renewed migration tokens cannot be saved in %2$s with it. "
                                       "Replace the credential in cmatoken before then."),
                                     date, product);
      else
        /* Translators: %s is "Jira" or "Confluence". */
        msg->body = g_strdup_printf (_("Soon renewed migration tokens cannot be saved in %s with it. "
                                       "Replace the credential in cmatoken."), product);
      break;

    case CMTD_EVENT_EXPIRED:
      msg->urgency = URGENCY_CRITICAL;
      msg->category = "x-cmatoken.expired";
      /* Translators: %s is a server's host name. */
      msg->summary = g_strdup_printf (_("The credential for %s has expired"), host);
      /* Translators: %s is "Jira" or "Confluence". */
      msg->body = g_strdup_printf (_("Renewed migration tokens cannot be saved in %s with it any more. "
                                     "Replace the credential in cmatoken."), product);
      break;

    case CMTD_EVENT_RENEWED:
      msg->urgency = URGENCY_LOW;
      msg->category = "x-cmatoken.renewed";
      /* Translators: %s is a server's host name. */
      msg->summary = g_strdup_printf (_("The credential for %s works again"), host);
      /* Translators: %s is "Jira" or "Confluence". */
      msg->body = g_strdup_printf (_("Renewed migration tokens can be saved in %s again."), product);
      break;

    case CMTD_EVENT_INVALID:
    case CMTD_EVENT_RENEW_FAILED:
    default:
      msg->urgency = URGENCY_CRITICAL;
      msg->category = "x-cmatoken.invalid";
      /* Translators: %s is a server's host name. */
      msg->summary = g_strdup_printf (_("The credential for %s was refused"), host);
      /* Translators: %s is the reason, a sentence. */
      msg->body = g_strdup_printf (_("%s\nReplace the credential in cmatoken."), cause);
      break;
    }
}

static void
word_event (const Record *rec,
            int           event,
            gint64        now,
            Message      *msg)
{
  switch (rec->kind)
    {
    case CMTD_SUBJECT_CLOUD_ACCOUNT:
      word_cloud_account (rec, event, now, msg);
      break;
    case CMTD_SUBJECT_SERVER:
      word_server (rec, event, now, msg);
      break;
    case CMTD_SUBJECT_CONNECTION:
    default:
      word_connection (rec, event, now, msg);
      break;
    }
}

/* One headline for a batch: the most specific one that is true of all. */
static char *
word_summary_headline (GPtrArray *batch,
                       gint64     now)
{
  gboolean all_connections = TRUE, all_credentials = TRUE;
  gboolean same_event = TRUE, within_week = TRUE;
  int first_event = ((Record *) batch->pdata[0])->sending;
  int n = (int) batch->len;

  for (guint i = 0; i < batch->len; i++)
    {
      Record *rec = batch->pdata[i];

      if (rec->kind == CMTD_SUBJECT_CONNECTION)
        all_credentials = FALSE;
      else
        all_connections = FALSE;
      if (rec->sending != first_event)
        same_event = FALSE;
      if (rec->expires_at <= 0 || rec->expires_at - now > 7 * CMT_SECONDS_PER_DAY)
        within_week = FALSE;
    }

  if (all_connections && same_event)
    switch (first_event)
      {
      case CMTD_EVENT_EXPIRING:
        if (within_week)
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "%d migration token expires this week",
                                               "%d migration tokens expire this week", n), n);
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "%d migration token expires soon",
                                             "%d migration tokens expire soon", n), n);
      case CMTD_EVENT_EXPIRED:
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "%d migration token has expired",
                                             "%d migration tokens have expired", n), n);
      case CMTD_EVENT_RENEWED:
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "%d migration token was renewed automatically",
                                             "%d migration tokens were renewed automatically", n), n);
      case CMTD_EVENT_RENEW_FAILED:
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "%d migration token could not be renewed automatically",
                                             "%d migration tokens could not be renewed automatically", n), n);
      default:
        break;
      }
  if (all_connections)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%d migration token needs attention",
                                         "%d migration tokens need attention", n), n);
  if (all_credentials && same_event && first_event == CMTD_EVENT_RENEWED)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%d credential works again",
                                         "%d credentials work again", n), n);
  if (all_credentials)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%d credential needs attention",
                                         "%d credentials need attention", n), n);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%d migration token or credential needs attention",
                                       "%d migration tokens and credentials need attention", n), n);
}

/* --- talking to the notification server --- */

typedef struct
{
  CmtdNotifier *self;   /* not a reference: replies after dispose come back cancelled */
  GPtrArray    *object_ids;
  GArray       *serials;
} NotifyCall;

static void
notify_call_free (NotifyCall *call)
{
  g_ptr_array_unref (call->object_ids);
  g_array_unref (call->serials);
  g_free (call);
}

static NotifyCall *
notify_call_new (CmtdNotifier *self)
{
  NotifyCall *call = g_new0 (NotifyCall, 1);

  call->self = self;
  call->object_ids = g_ptr_array_new_with_free_func (g_free);
  call->serials = g_array_new (FALSE, FALSE, sizeof (guint));
  return call;
}

static void
notify_call_add (NotifyCall *call,
                 Record     *rec)
{
  rec->serial = ++call->self->next_serial;
  if (rec->serial == 0)
    rec->serial = ++call->self->next_serial;
  rec->sending = rec->pending;
  rec->pending = NO_EVENT;
  g_ptr_array_add (call->object_ids, g_strdup (rec->object_id));
  g_array_append_val (call->serials, rec->serial);
}

/* The Record of @call's @i-th object, if that Notify is still its latest. */
static Record *
notify_call_record (NotifyCall *call,
                    guint       i)
{
  Record *rec = g_hash_table_lookup (call->self->records, call->object_ids->pdata[i]);

  if (rec == NULL || rec->sending == NO_EVENT ||
      rec->serial != g_array_index (call->serials, guint, i))
    return NULL;
  return rec;
}

static char *
current_ids_owner (CmtdNotifier *self)
{
  const char *guid = g_dbus_connection_get_guid (self->bus);

  if (self->server_owner == NULL)
    return NULL;
  /* A unique name alone may come back on the next login's bus. */
  return g_strdup_printf ("%s/%s", guid != NULL ? guid : "", self->server_owner);
}

static void
forget_notification_ids (CmtdNotifier *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Record *rec = value;
      rec->notification_id = 0;
      rec->summary_id = 0;
      rec->shown = NO_EVENT;
    }
  g_hash_table_remove_all (self->summaries);
  g_hash_table_remove_all (self->activation_tokens);
}

static void
close_reply (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Could not close a notification: %s", error->message);
}

static void
close_notification (CmtdNotifier *self,
                    guint32       id)
{
  if (id == 0 || self->server_owner == NULL)
    return;
  g_debug ("Closing notification %u", id);
  g_dbus_connection_call (self->bus, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_IFACE, "CloseNotification",
                          g_variant_new ("(u)", id), NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          self->cancellable, close_reply, NULL);
}

static void
notify_reply (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  NotifyCall *call = user_data;
  CmtdNotifier *self = call->self;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean is_summary = call->object_ids->len > 1;
  gboolean again = FALSE;
  gboolean any_current = FALSE;
  guint32 id = 0;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      notify_call_free (call);
      return;
    }

  if (reply == NULL)
    {
      /* Kept for when a notification server (re)appears. */
      g_debug ("No notification shown, kept for later: %s", error->message);
      for (guint i = 0; i < call->object_ids->len; i++)
        {
          Record *rec = notify_call_record (call, i);
          if (rec == NULL)
            continue;
          /* A newer event posted meanwhile replaces it; either waits for
           * the next flush (a post, or a server appearing). */
          if (rec->pending == NO_EVENT)
            rec->pending = rec->sending;
          rec->sending = NO_EVENT;
        }
      notify_call_free (call);
      return;
    }

  g_variant_get (reply, "(u)", &id);
  g_debug ("Notification %u shown for %u object(s)", id, call->object_ids->len);
  if (self->server_owner != NULL)
    {
      g_free (self->ids_owner);
      self->ids_owner = current_ids_owner (self);
    }
  if (is_summary && id != 0)
    g_hash_table_add (self->summaries, GUINT_TO_POINTER (id));

  for (guint i = 0; i < call->object_ids->len; i++)
    {
      Record *rec = notify_call_record (call, i);
      if (rec == NULL)
        continue;
      any_current = TRUE;
      if (is_summary)
        {
          /* Its own notification would now tell an older story. */
          if (rec->notification_id != 0 && rec->notification_id != id)
            close_notification (self, rec->notification_id);
          rec->notification_id = 0;
          rec->summary_id = id;
        }
      else
        {
          rec->notification_id = id;
          rec->summary_id = 0;
        }
      rec->shown = rec->sending;
      rec->sending = NO_EVENT;
      if (rec->pending != NO_EVENT)
        again = TRUE;
    }

  /* Everything it was about was resolved while it was on its way. */
  if (!any_current)
    {
      g_hash_table_remove (self->summaries, GUINT_TO_POINTER (id));
      if (find_by_notification_id (self, id) == NULL)
        close_notification (self, id);
    }

  notify_call_free (call);
  schedule_save (self);
  if (again)
    schedule_flush (self, 0);
}

static void
add_action (GVariantBuilder *actions,
            const char      *key,
            const char      *label)
{
  g_variant_builder_add (actions, "s", key);
  g_variant_builder_add (actions, "s", label);
}

/* One Notify call: the app's name and icon, its desktop entry, @urgency and
 * @category as hints; @body escaped where the server reads markup. */
static void
call_notify (CmtdNotifier        *self,
             guint32              replaces_id,
             const char          *summary,
             const char          *body,
             guint8               urgency,
             const char          *category,
             GVariant            *actions,
             GDBusCallFlags       flags,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GVariantBuilder hints;
  g_autofree char *text = self->body_markup ? g_markup_escape_text (body, -1) : g_strdup (body);

  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string (CMT_APP_ID));
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (urgency));
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string (category));

  g_dbus_connection_call (self->bus, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_IFACE, "Notify",
                          g_variant_new ("(susss@asa{sv}i)",
                                         /* Translators: the application's name, shown with its notifications. */
                                         _("Cloud Migration Tokens"),
                                         replaces_id, CMT_APP_ID,
                                         summary, text, actions, &hints, -1),
                          G_VARIANT_TYPE ("(u)"),
                          flags, -1,
                          self->cancellable, callback, user_data);
}

static void
send_notify (CmtdNotifier *self,
             NotifyCall   *call,
             guint32       replaces_id,
             Message      *msg,
             GVariant     *actions)
{
  call_notify (self, replaces_id, msg->summary, msg->body, msg->urgency, msg->category,
               actions, G_DBUS_CALL_FLAGS_NONE, notify_reply, call);
}

static void
send_one (CmtdNotifier *self,
          Record       *rec,
          gint64        now)
{
  NotifyCall *call = notify_call_new (self);
  Message msg = { NULL, };
  GVariantBuilder actions;
  guint32 replaces_id = rec->notification_id;

  notify_call_add (call, rec);
  word_event (rec, rec->sending, now, &msg);

  g_variant_builder_init (&actions, G_VARIANT_TYPE_STRING_ARRAY);
  add_action (&actions, "default", _("Show"));
  if (rec->kind == CMTD_SUBJECT_CONNECTION && is_problem (rec->sending))
    {
      add_action (&actions, "renew", _("Renew…"));
      add_action (&actions, "later", _("Later"));
    }
  else if (rec->kind != CMTD_SUBJECT_CONNECTION)
    add_action (&actions, "show", _("Show"));

  g_debug ("Notifying %s %s of %s", kind_names[rec->kind], rec->object_id,
           event_names[rec->sending]);
  send_notify (self, call, replaces_id, &msg, g_variant_builder_end (&actions));
  message_clear (&msg);
}

static void
send_summary (CmtdNotifier *self,
              GPtrArray    *batch,
              gint64        now)
{
  NotifyCall *call = notify_call_new (self);
  Message msg = { NULL, };
  g_autoptr(GString) body = g_string_new (NULL);
  GVariantBuilder actions;
  guint8 urgency = URGENCY_LOW;

  for (guint i = 0; i < batch->len; i++)
    notify_call_add (call, batch->pdata[i]);

  for (guint i = 0; i < batch->len; i++)
    {
      Record *rec = batch->pdata[i];
      Message line = { NULL, };

      word_event (rec, rec->sending, now, &line);
      urgency = MAX (urgency, line.urgency);
      /* A list, one whole sentence a line: nothing is built from pieces. */
      if (i < SUMMARY_MAX_LINES)
        {
          if (body->len > 0)
            g_string_append_c (body, '\n');
          g_string_append (body, line.summary);
        }
      message_clear (&line);
    }
  if (batch->len > SUMMARY_MAX_LINES)
    {
      int more = (int) (batch->len - SUMMARY_MAX_LINES);
      g_string_append_c (body, '\n');
      g_string_append_printf (body, g_dngettext (GETTEXT_PACKAGE,
                                                 /* Translators: the last line of a list of notifications. */
                                                 "…and %d more",
                                                 "…and %d more", more), more);
    }

  msg.summary = word_summary_headline (batch, now);
  msg.body = g_strdup (body->str);
  msg.urgency = urgency;
  msg.category = "x-cmatoken.summary";

  g_variant_builder_init (&actions, G_VARIANT_TYPE_STRING_ARRAY);
  add_action (&actions, "default", _("Show"));
  add_action (&actions, "show", _("Show"));

  g_debug ("Notifying a summary of %u objects", batch->len);
  send_notify (self, call, 0, &msg, g_variant_builder_end (&actions));
  message_clear (&msg);
}

static void
drop_pending (CmtdNotifier *self)
{
  GHashTableIter iter;
  gpointer value;

  /* Turned off: not shown and not recorded, so the next posts after turning
   * them on again announce what is still true then. */
  g_queue_clear_full (&self->announcements, (GDestroyNotify) g_strfreev);
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Record *rec = value;

      if (rec->pending == NO_EVENT)
        continue;
      rec->announced &= ~EVENT_BIT (rec->pending);
      rec->pending = NO_EVENT;
      if (rec->announced == 0 && rec->sending == NO_EVENT && rec->notification_id == 0)
        g_hash_table_iter_remove (&iter);
    }
  schedule_save (self);
}

static void
send_batch (CmtdNotifier *self,
            GPtrArray    *batch,
            gint64        now)
{
  if (batch->len >= SUMMARY_MIN_OBJECTS)
    send_summary (self, batch, now);
  else
    for (guint i = 0; i < batch->len; i++)
      send_one (self, batch->pdata[i], now);
}

static gint
compare_records (gconstpointer a,
                 gconstpointer b)
{
  const Record *ra = *(const Record * const *) a;
  const Record *rb = *(const Record * const *) b;

  /* Soonest expiry first, so a summary lists the most urgent; ids break ties
   * so the order does not depend on the hash table. */
  if (ra->expires_at != rb->expires_at)
    return ra->expires_at < rb->expires_at ? -1 : 1;
  return strcmp (ra->object_id, rb->object_id);
}

static void
announce_reply (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CmtdNotifier *self = user_data;   /* alive unless the call was cancelled */
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 id;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Could not show a notification: %s", error->message);
      return;
    }
  /* A click on it opens the app, as on a summary. */
  g_variant_get (reply, "(u)", &id);
  if (id != 0)
    g_hash_table_add (self->summaries, GUINT_TO_POINTER (id));
}

static void
send_announcement (CmtdNotifier *self,
                   const char   *summary,
                   const char   *body)
{
  GVariantBuilder actions;

  g_variant_builder_init (&actions, G_VARIANT_TYPE_STRING_ARRAY);
  add_action (&actions, "default", _("Show"));
  call_notify (self, 0, summary, body, URGENCY_NORMAL, "x-cmatoken.change",
               g_variant_builder_end (&actions), G_DBUS_CALL_FLAGS_NO_AUTO_START,
               announce_reply, self);
}

static gboolean
flush (gpointer user_data)
{
  CmtdNotifier *self = user_data;
  g_autoptr(GPtrArray) problems = g_ptr_array_new ();
  g_autoptr(GPtrArray) good_news = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC + self->now_offset;

  self->flush_source = 0;

  /* The answer flushes: until then we do not know how to write the body. */
  if (self->asking_capabilities)
    return G_SOURCE_REMOVE;

  if (!notifications_enabled (self))
    {
      drop_pending (self);
      return G_SOURCE_REMOVE;
    }

  while (self->server_owner != NULL && !g_queue_is_empty (&self->announcements))
    {
      g_auto(GStrv) pair = g_queue_pop_head (&self->announcements);

      send_announcement (self, pair[0], pair[1]);
    }

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Record *rec = value;

      /* One Notify at a time per object: the next one must replace its id. */
      if (rec->pending == NO_EVENT || rec->sending != NO_EVENT)
        continue;
      g_ptr_array_add (rec->pending == CMTD_EVENT_RENEWED ? good_news : problems, rec);
    }

  g_ptr_array_sort (problems, compare_records);
  g_ptr_array_sort (good_news, compare_records);
  /* Good news never hides in a summary of problems. */
  if (problems->len > 0)
    send_batch (self, problems, now);
  if (good_news->len > 0)
    send_batch (self, good_news, now);

  schedule_save (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (CmtdNotifier *self,
                guint         delay_ms)
{
  if (self->flush_source != 0)
    {
      if (delay_ms > 0)
        return;
      g_source_remove (self->flush_source);
    }
  self->flush_source = g_timeout_add (delay_ms, flush, self);
}

/* --- the app, when an action is clicked --- */

static GVariant *
platform_data (const char *token)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (token != NULL)
    {
      /* Lets the app's window take the focus (Wayland and X11). */
      g_variant_builder_add (&builder, "{sv}", "activation-token", g_variant_new_string (token));
      g_variant_builder_add (&builder, "{sv}", "desktop-startup-id", g_variant_new_string (token));
    }
  return g_variant_builder_end (&builder);
}

static void
activate_reply (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GVariant) platform = user_data;   /* set for an action, to fall back on */
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply != NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* The app is there but refused the action (an older app, say): opening
   * it is still better than nothing. */
  if (platform != NULL &&
      !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) &&
      !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) &&
      !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) &&
      !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    {
      g_debug ("The app refused the action (%s); activating it instead", error->message);
      g_dbus_connection_call (G_DBUS_CONNECTION (source), CMT_APP_ID, APP_OBJECT_PATH, APP_IFACE,
                              "Activate", g_variant_new ("(@a{sv})", platform),
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, activate_reply, NULL);
      return;
    }
  g_message ("Could not open cmatoken from a notification: %s", error->message);
}

static void
activate_app (CmtdNotifier *self,
              const char   *action,
              const char   *target,
              const char   *token)
{
  GVariant *params;
  GVariant *fallback = NULL;

  if (action != NULL)
    {
      GVariantBuilder args;

      g_variant_builder_init (&args, G_VARIANT_TYPE ("av"));
      g_variant_builder_add (&args, "v", g_variant_new_string (target));
      params = g_variant_new ("(s@av@a{sv})", action, g_variant_builder_end (&args),
                              platform_data (token));
      fallback = g_variant_ref_sink (platform_data (token));
      g_debug ("Activating app.%s('%s')", action, target);
    }
  else
    {
      params = g_variant_new ("(@a{sv})", platform_data (token));
      g_debug ("Activating the app");
    }

  /* Without NO_AUTO_START: D-Bus activation starts the app. Not cancelled
   * with the notifier: the admin's click should still open the app. */
  g_dbus_connection_call (self->bus, CMT_APP_ID, APP_OBJECT_PATH, APP_IFACE,
                          action != NULL ? "ActivateAction" : "Activate",
                          params, NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, activate_reply, fallback);
}

static const char *
show_action (CmtdSubjectKind kind)
{
  switch (kind)
    {
    case CMTD_SUBJECT_CLOUD_ACCOUNT:
      return "show-cloud-account";
    case CMTD_SUBJECT_SERVER:
      return "show-server";
    case CMTD_SUBJECT_CONNECTION:
    default:
      return "show-connection";
    }
}

static gboolean
from_server (CmtdNotifier *self,
             const char   *sender)
{
  /* Only the server that holds our notifications may click them. */
  return self->server_owner != NULL && g_strcmp0 (sender, self->server_owner) == 0;
}

static void
on_action_invoked (GDBusConnection *connection,
                   const char      *sender,
                   const char      *path,
                   const char      *interface,
                   const char      *signal_name,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  CmtdNotifier *self = user_data;
  g_autofree char *token = NULL;
  const char *key;
  guint32 id;
  Record *rec;

  if (!from_server (self, sender) || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    return;
  g_variant_get (parameters, "(u&s)", &id, &key);

  if (!g_hash_table_steal_extended (self->activation_tokens, GUINT_TO_POINTER (id),
                                    NULL, (gpointer *) &token))
    token = NULL;

  if (g_str_equal (key, "later"))
    return;

  if (g_hash_table_contains (self->summaries, GUINT_TO_POINTER (id)))
    {
      activate_app (self, NULL, NULL, token);
      return;
    }

  rec = find_by_notification_id (self, id);
  if (rec == NULL)
    return;

  if (g_str_equal (key, "renew") && rec->kind == CMTD_SUBJECT_CONNECTION)
    activate_app (self, "renew-connection", rec->object_id, token);
  else if (g_str_equal (key, "default") || g_str_equal (key, "show"))
    activate_app (self, show_action (rec->kind), rec->object_id, token);
}

static void
on_activation_token (GDBusConnection *connection,
                     const char      *sender,
                     const char      *path,
                     const char      *interface,
                     const char      *signal_name,
                     GVariant        *parameters,
                     gpointer         user_data)
{
  CmtdNotifier *self = user_data;
  const char *token;
  guint32 id;

  if (!from_server (self, sender) || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    return;
  g_variant_get (parameters, "(u&s)", &id, &token);
  if (find_by_notification_id (self, id) == NULL &&
      !g_hash_table_contains (self->summaries, GUINT_TO_POINTER (id)))
    return;
  /* Comes just before ActionInvoked for the same id. */
  g_hash_table_insert (self->activation_tokens, GUINT_TO_POINTER (id), g_strdup (token));
}

static void
on_notification_closed (GDBusConnection *connection,
                        const char      *sender,
                        const char      *path,
                        const char      *interface,
                        const char      *signal_name,
                        GVariant        *parameters,
                        gpointer         user_data)
{
  CmtdNotifier *self = user_data;
  guint32 id, reason;
  Record *rec;

  if (!from_server (self, sender) || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uu)")))
    return;
  g_variant_get (parameters, "(uu)", &id, &reason);
  g_hash_table_remove (self->activation_tokens, GUINT_TO_POINTER (id));

  if (g_hash_table_remove (self->summaries, GUINT_TO_POINTER (id)))
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->records);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (((Record *) value)->summary_id == id)
          ((Record *) value)->summary_id = 0;
      return;
    }

  /* Still announced: closing it is the admin's answer, not a reason to say it again. */
  rec = find_by_notification_id (self, id);
  if (rec == NULL)
    return;
  g_debug ("Notification %u for %s closed (reason %u)", id, rec->object_id, reason);
  rec->notification_id = 0;
  rec->shown = NO_EVENT;
  schedule_save (self);
}

static void
capabilities_reply (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CmtdNotifier *self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->asking_capabilities = FALSE;
  self->body_markup = FALSE;
  if (reply != NULL)
    {
      g_autofree const char **caps = NULL;

      g_variant_get (reply, "(^a&s)", &caps);
      self->body_markup = g_strv_contains (caps, "body-markup");
    }
  schedule_flush (self, 0);
}

static void
on_server_appeared (GDBusConnection *connection,
                    const char      *name,
                    const char      *owner,
                    gpointer         user_data)
{
  CmtdNotifier *self = user_data;
  g_autofree char *ids_owner = NULL;

  g_debug ("Notification server %s appeared", owner);
  g_free (self->server_owner);
  self->server_owner = g_strdup (owner);

  /* Ids from another server (or a former session) would replace strangers' notifications. */
  ids_owner = current_ids_owner (self);
  if (g_strcmp0 (ids_owner, self->ids_owner) != 0)
    {
      forget_notification_ids (self);
      g_free (self->ids_owner);
      self->ids_owner = g_steal_pointer (&ids_owner);
      schedule_save (self);
    }

  /* The self pointer is safe: cancelled in dispose. */
  self->asking_capabilities = TRUE;
  g_dbus_connection_call (self->bus, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_IFACE, "GetCapabilities", NULL,
                          G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          self->cancellable, capabilities_reply, self);
}

static void
on_server_vanished (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  CmtdNotifier *self = user_data;

  if (self->server_owner == NULL)
    return;
  g_debug ("Notification server vanished");
  g_clear_pointer (&self->server_owner, g_free);
  forget_notification_ids (self);
  schedule_save (self);
}

/* --- GObject --- */

static void
cmtd_notifier_dispose (GObject *object)
{
  CmtdNotifier *self = CMTD_NOTIFIER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (self->watch_id != 0)
    {
      g_bus_unwatch_name (self->watch_id);
      self->watch_id = 0;
    }
  if (self->bus != NULL)
    {
      if (self->action_subscription != 0)
        g_dbus_connection_signal_unsubscribe (self->bus, self->action_subscription);
      if (self->closed_subscription != 0)
        g_dbus_connection_signal_unsubscribe (self->bus, self->closed_subscription);
      if (self->token_subscription != 0)
        g_dbus_connection_signal_unsubscribe (self->bus, self->token_subscription);
      self->action_subscription = self->closed_subscription = self->token_subscription = 0;
    }

  /* The last state must be on disk when we are gone: written here, at once;
   * a job still running in a thread then finds nothing newer to write. */
  if (self->save_source != 0 && self->state_path != NULL)
    {
      g_clear_handle_id (&self->save_source, g_source_remove);
      g_clear_pointer (&self->last_data, g_bytes_unref);
      self->last_data = serialize_state (self);
      self->generation++;
    }
  if (self->last_data != NULL && self->writer != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!state_writer_write (self->writer, self->last_data, self->generation, &error))
        g_warning ("Could not remember the announced notifications in %s: %s",
                   self->state_path, error->message);
      g_clear_pointer (&self->last_data, g_bytes_unref);
    }

  g_clear_handle_id (&self->save_source, g_source_remove);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cmtd_notifier_parent_class)->dispose (object);
}

static void
cmtd_notifier_finalize (GObject *object)
{
  CmtdNotifier *self = CMTD_NOTIFIER (object);

  g_clear_pointer (&self->writer, state_writer_unref);
  g_clear_pointer (&self->records, g_hash_table_unref);
  g_clear_pointer (&self->summaries, g_hash_table_unref);
  g_clear_pointer (&self->activation_tokens, g_hash_table_unref);
  g_queue_clear_full (&self->announcements, (GDestroyNotify) g_strfreev);
  g_clear_pointer (&self->server_owner, g_free);
  g_clear_pointer (&self->ids_owner, g_free);
  g_clear_pointer (&self->state_path, g_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->bus);

  G_OBJECT_CLASS (cmtd_notifier_parent_class)->finalize (object);
}

static void
cmtd_notifier_class_init (CmtdNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cmtd_notifier_dispose;
  object_class->finalize = cmtd_notifier_finalize;
}

static void
cmtd_notifier_init (CmtdNotifier *self)
{
  self->cancellable = g_cancellable_new ();
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, record_free);
  self->summaries = g_hash_table_new (NULL, NULL);
  self->activation_tokens = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_queue_init (&self->announcements);
  /* "Expires in 5 days" must agree with the daemon's clock (cmtd-clock.c),
   * which demos and tests shift with this variable. */
  self->now_offset = cmt_expiry_now_offset ();
}

static GSettings *
lookup_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* A missing schema must not abort the service, as g_settings_new() would. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, CMT_APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "notifications-enabled"))
    {
      g_message ("No settings schema %s: notifications are always on", CMT_APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

CmtdNotifier *
cmtd_notifier_new (GDBusConnection *bus,
                   const char      *state_path)
{
  CmtdNotifier *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (bus), NULL);

  self = g_object_new (CMTD_TYPE_NOTIFIER, NULL);
  self->bus = g_object_ref (bus);
  self->state_path = g_strdup (state_path);
  self->writer = state_writer_new (state_path != NULL ? state_path : "");
  self->settings = lookup_settings ();

  /* Small and read once, before anything is on the bus: read it at once. */
  load_state (self);
  if (has_pending (self))
    schedule_flush (self, BATCH_WINDOW_MS);

  self->action_subscription =
    g_dbus_connection_signal_subscribe (bus, NOTIFICATIONS_NAME, NOTIFICATIONS_IFACE,
                                        "ActionInvoked", NOTIFICATIONS_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_action_invoked, self, NULL);
  self->closed_subscription =
    g_dbus_connection_signal_subscribe (bus, NOTIFICATIONS_NAME, NOTIFICATIONS_IFACE,
                                        "NotificationClosed", NOTIFICATIONS_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_notification_closed, self, NULL);
  self->token_subscription =
    g_dbus_connection_signal_subscribe (bus, NOTIFICATIONS_NAME, NOTIFICATIONS_IFACE,
                                        "ActivationToken", NOTIFICATIONS_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_activation_token, self, NULL);
  /* Events wait for a server; its appearance delivers them (and the ones a
   * former run could not deliver, from the state file). */
  self->watch_id = g_bus_watch_name_on_connection (bus, NOTIFICATIONS_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_server_appeared, on_server_vanished,
                                                   self, NULL);
  return self;
}

void
cmtd_notifier_post (CmtdNotifier        *self,
                    CmtdEvent            event,
                    const CmtdEventInfo *info)
{
  Record *rec;

  g_return_if_fail (CMTD_IS_NOTIFIER (self));
  g_return_if_fail ((guint) event < G_N_ELEMENTS (event_names));
  g_return_if_fail (info != NULL);
  g_return_if_fail (info->object_id != NULL && *info->object_id != '\0');
  g_return_if_fail ((guint) info->kind < G_N_ELEMENTS (kind_names));

  if (!notifications_enabled (self))
    {
      g_debug ("Notifications are off: not announcing %s of %s",
               event_names[event], info->object_id);
      return;
    }

  rec = g_hash_table_lookup (self->records, info->object_id);
  if (rec == NULL)
    {
      rec = record_new (info->object_id);
      g_hash_table_insert (self->records, rec->object_id, rec);
    }
  else if (rec->expires_at != info->expires_at)
    {
      /* A new expiry date (renewed, credential replaced): a new episode. */
      rec->announced = 0;
    }
  else if ((rec->announced & EVENT_BIT (event)) != 0 ||
           (event == CMTD_EVENT_EXPIRING && (rec->announced & EVENT_BIT (CMTD_EVENT_EXPIRED)) != 0))
    {
      g_debug ("Already announced %s of %s", event_names[event], info->object_id);
      return;
    }

  /* After good news a problem is news again, and the other way round. */
  if (event == CMTD_EVENT_RENEWED)
    rec->announced &= ~PROBLEM_EVENTS;
  else
    rec->announced &= ~EVENT_BIT (CMTD_EVENT_RENEWED);

  rec->kind = info->kind;
  rec->expires_at = info->expires_at;
  replace_string (&rec->product, info->product);
  replace_string (&rec->server_url, info->server_url);
  replace_string (&rec->cloud_site_url, info->cloud_site_url);
  replace_string (&rec->email, info->email);
  replace_string (&rec->error_message, info->error_message);

  rec->announced |= EVENT_BIT (event);
  rec->pending = event;

  schedule_save (self);
  schedule_flush (self, BATCH_WINDOW_MS);
}

static void
close_summary_if_empty (CmtdNotifier *self,
                        guint32       summary_id)
{
  if (summary_id == 0 || summary_has_members (self, summary_id))
    return;
  g_hash_table_remove (self->summaries, GUINT_TO_POINTER (summary_id));
  close_notification (self, summary_id);
}

void
cmtd_notifier_resolve (CmtdNotifier *self,
                       const char   *object_id)
{
  Record *rec;
  guint32 summary_id;

  g_return_if_fail (CMTD_IS_NOTIFIER (self));
  g_return_if_fail (object_id != NULL);

  rec = g_hash_table_lookup (self->records, object_id);
  if (rec == NULL)
    return;

  /* A renewal's own good news stays on screen; only problems are closed. */
  summary_id = rec->summary_id;
  if (is_problem (rec->shown))
    {
      close_notification (self, rec->notification_id);
      rec->notification_id = 0;
      rec->shown = NO_EVENT;
      rec->summary_id = 0;
    }
  else if (rec->shown == NO_EVENT)
    rec->summary_id = 0;
  if (is_problem (rec->pending))
    rec->pending = NO_EVENT;
  if (is_problem (rec->sending))
    {
      /* Its reply will find no match and close what it showed. */
      rec->sending = NO_EVENT;
      rec->serial = 0;
    }
  rec->announced &= ~PROBLEM_EVENTS;

  if (rec->announced == 0 && rec->notification_id == 0 && rec->sending == NO_EVENT)
    g_hash_table_remove (self->records, object_id);
  close_summary_if_empty (self, summary_id);
  schedule_save (self);
}

void
cmtd_notifier_forget (CmtdNotifier *self,
                      const char   *object_id)
{
  Record *rec;
  guint32 summary_id;

  g_return_if_fail (CMTD_IS_NOTIFIER (self));
  g_return_if_fail (object_id != NULL);

  rec = g_hash_table_lookup (self->records, object_id);
  if (rec == NULL)
    return;

  summary_id = rec->summary_id;
  close_notification (self, rec->notification_id);
  g_hash_table_remove (self->records, object_id);
  close_summary_if_empty (self, summary_id);
  schedule_save (self);
}

void
cmtd_notifier_announce (CmtdNotifier *self,
                        const char   *summary,
                        const char   *body)
{
  const char *pair[] = { summary, body, NULL };

  g_return_if_fail (CMTD_IS_NOTIFIER (self));

  if (!notifications_enabled (self))
    {
      g_debug ("Not announced (notifications are turned off): %s", summary);
      return;
    }
  /* Kept, a bounded number, until a notification server is there. */
  if (self->announcements.length >= MAX_WAITING_ANNOUNCEMENTS)
    g_strfreev (g_queue_pop_head (&self->announcements));
  g_queue_push_tail (&self->announcements, g_strdupv ((char **) pair));
  schedule_flush (self, 0);
}

guint
cmtd_notifier_get_n_pending (CmtdNotifier *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (CMTD_IS_NOTIFIER (self), 0);

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Record *) value)->pending != NO_EVENT || ((Record *) value)->sending != NO_EVENT)
      n++;
  return n;
}
