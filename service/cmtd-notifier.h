/* cmtd-notifier.h: desktop notifications about expiries, through org.freedesktop.Notifications */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  CMTD_EVENT_EXPIRING,       /* entered its warning window */
  CMTD_EVENT_EXPIRED,        /* reached its expiry */
  CMTD_EVENT_INVALID,        /* a check found the credential refused */
  CMTD_EVENT_RENEWED,        /* an automatic renewal succeeded */
  CMTD_EVENT_RENEW_FAILED,   /* an automatic renewal failed */
} CmtdEvent;

typedef enum {
  CMTD_SUBJECT_CONNECTION,
  CMTD_SUBJECT_CLOUD_ACCOUNT,
  CMTD_SUBJECT_SERVER,
} CmtdSubjectKind;

/* What a notification is about. Strings are copied; none is a secret. */
typedef struct {
  CmtdSubjectKind  kind;
  const char      *object_id;       /* the D-Bus object id */
  const char      *product;         /* "jira" / "confluence" (connections, servers) */
  const char      *server_url;      /* connections and servers */
  const char      *cloud_site_url;  /* connections and cloud accounts */
  const char      *email;           /* cloud accounts */
  gint64           expires_at;      /* 0 if unknown */
  const char      *error_message;   /* RENEW_FAILED, INVALID: the reason */
} CmtdEventInfo;

#define CMTD_TYPE_NOTIFIER (cmtd_notifier_get_type ())
G_DECLARE_FINAL_TYPE (CmtdNotifier, cmtd_notifier, CMTD, NOTIFIER, GObject)

/*
 * @state_path: where announced events are remembered across restarts
 * (a key file, written atomically off the main thread).
 * Reads GSettings io.github.cmatoken "notifications-enabled" itself.
 */
CmtdNotifier *cmtd_notifier_new      (GDBusConnection     *bus,
                                      const char          *state_path);

/*
 * Announces @event for the object, at most once per (object, event) — also
 * across restarts. A later event on the same object replaces the earlier
 * notification (replaces_id). Events posted together (within a short
 * window) for several objects become one summary notification. If no
 * notification server is on the bus, or it fails, the event is kept and
 * delivered when one appears; this never fails.
 */
void          cmtd_notifier_post     (CmtdNotifier        *self,
                                      CmtdEvent            event,
                                      const CmtdEventInfo *info);

/* The object's problem is gone (renewed, replaced, checked OK): close its
 * notification and forget what was announced, so a future problem is
 * announced again. */
void          cmtd_notifier_resolve  (CmtdNotifier        *self,
                                      const char          *object_id);

/* The object was removed: like resolve. */
void          cmtd_notifier_forget   (CmtdNotifier        *self,
                                      const char          *object_id);

/* Shows a one-off notification (not remembered across restarts, never
 * repeated): a change to what the service stores, e.g. "Server Added". Kept
 * until a notification server is on the bus (the 32 newest); dropped when
 * notifications are turned off. */
void          cmtd_notifier_announce (CmtdNotifier        *self,
                                      const char          *summary,
                                      const char          *body);

/* How many events wait for a notification server or for its answer; for
 * logs and tests (0: everything posted so far was shown or dropped). */
guint         cmtd_notifier_get_n_pending (CmtdNotifier *self);

/* The cause in a service error, without its advice: its first sentence
 * (a notification adds its own advice). NULL or "" gives "No reason was given." */
char         *cmtd_notifier_cause    (const char          *message);

G_END_DECLS
