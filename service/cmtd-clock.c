/* cmtd-clock.c: the one wall-clock timer behind every status change in cmatokend */
#include <errno.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cmtd-clock.h"
#include "cmt-expiry.h"

/*
 * Every object's next status change sits in one sorted sequence; a single
 * CLOCK_REALTIME timerfd is armed at the earliest. TFD_TIMER_CANCEL_ON_SET
 * makes the kernel wake us when the wall clock jumps (settimeofday, NTP
 * step, resume from suspend), and then every object is re-evaluated.
 */

/* With nothing due, the timer stays armed this far ahead (31 December 9999)
 * so that it still reports clock changes. */
#define FAR_FUTURE G_GINT64_CONSTANT (253402300799)

typedef struct {
  gint64         deadline;
  guint64        serial;
  CmtdClockFunc  func;
  gpointer       data;
  CmtdClockWatch **owner;
} Entry;

struct _CmtdClock
{
  GObject    parent_instance;

  GSequence *entries;
  guint64    next_serial;
  gint64     offset;
  int        fd;
  guint      fd_source;
  gint64     armed_at;
  gboolean   dispatching;
};

G_DEFINE_FINAL_TYPE (CmtdClock, cmtd_clock, G_TYPE_OBJECT)

static int
entry_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const Entry *ea = a, *eb = b;

  if (ea->deadline != eb->deadline)
    return ea->deadline < eb->deadline ? -1 : 1;
  if (ea->serial != eb->serial)
    return ea->serial < eb->serial ? -1 : 1;
  return 0;
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  if (entry->owner != NULL)
    *entry->owner = NULL;
  g_free (entry);
}

static void
arm (CmtdClock *self)
{
  struct itimerspec spec = { { 0, 0 }, { 0, 0 } };
  GSequenceIter *first;
  gint64 deadline = FAR_FUTURE;

  if (self->fd < 0 || self->dispatching)
    return;

  first = g_sequence_get_begin_iter (self->entries);
  if (!g_sequence_iter_is_end (first))
    deadline = ((Entry *) g_sequence_get (first))->deadline;
  deadline -= self->offset;
  if (deadline < 1)
    deadline = 1;
  if (deadline == self->armed_at)
    return;

  spec.it_value.tv_sec = (time_t) deadline;
  if (timerfd_settime (self->fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, NULL) != 0)
    {
      int saved_errno = errno;
      g_warning ("Cannot arm the expiry timer: %s", g_strerror (saved_errno));
      return;
    }
  self->armed_at = deadline;
  if (deadline + self->offset < FAR_FUTURE)
    g_debug ("Next status change at %" G_GINT64_FORMAT " (%u pending)",
             deadline + self->offset, g_sequence_get_length (self->entries));
}

typedef struct {
  CmtdClockFunc func;
  gpointer      data;
} Due;

/* Takes the entries out before calling anyone: a callback reschedules its
 * owner, which must not land in the batch being dispatched. */
static void
dispatch (CmtdClock *self,
          gboolean   everything)
{
  g_autoptr(GArray) due = g_array_new (FALSE, FALSE, sizeof (Due));
  gint64 now = cmtd_clock_now (self);
  GSequenceIter *iter = g_sequence_get_begin_iter (self->entries);

  while (!g_sequence_iter_is_end (iter))
    {
      Entry *entry = g_sequence_get (iter);
      GSequenceIter *next = g_sequence_iter_next (iter);
      Due item;

      if (!everything && entry->deadline > now)
        break;
      item.func = entry->func;
      item.data = entry->data;
      g_array_append_val (due, item);
      g_sequence_remove (iter); /* clears the owner's watch */
      iter = next;
    }

  g_debug ("Clock: %u status change(s) due%s", due->len,
           everything ? " (the clock was set or the machine resumed)" : "");

  self->dispatching = TRUE;
  for (guint i = 0; i < due->len; i++)
    {
      Due *item = &g_array_index (due, Due, i);
      item->func (item->data);
    }
  self->dispatching = FALSE;
}

static gboolean
on_timer (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  CmtdClock *self = CMTD_CLOCK (user_data);
  guint64 expirations;
  ssize_t n;
  gboolean clock_set = FALSE;

  n = read (fd, &expirations, sizeof expirations);
  if (n < 0 && errno == ECANCELED)
    clock_set = TRUE;
  else if (n < 0 && errno != EAGAIN && errno != EINTR)
    g_warning ("Cannot read the expiry timer: %s", g_strerror (errno));

  /* Fired or cancelled, the timer is disarmed now: arm it again below. */
  self->armed_at = 0;
  dispatch (self, clock_set);
  arm (self);
  return G_SOURCE_CONTINUE;
}

static void
cmtd_clock_finalize (GObject *object)
{
  CmtdClock *self = CMTD_CLOCK (object);

  g_clear_handle_id (&self->fd_source, g_source_remove);
  if (self->fd >= 0)
    close (self->fd);
  g_clear_pointer (&self->entries, g_sequence_free);

  G_OBJECT_CLASS (cmtd_clock_parent_class)->finalize (object);
}

static void
cmtd_clock_class_init (CmtdClockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cmtd_clock_finalize;
}

static void
cmtd_clock_init (CmtdClock *self)
{
  self->entries = g_sequence_new (entry_free);
  self->offset = cmt_expiry_now_offset ();
  if (self->offset != 0)
    g_message ("The clock runs %" G_GINT64_FORMAT " seconds off ($CMATOKEN_NOW_OFFSET)",
               self->offset);

  self->fd = timerfd_create (CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (self->fd < 0)
    {
      g_warning ("Cannot create the expiry timer: %s; statuses will only change when a client acts",
                 g_strerror (errno));
      return;
    }
  self->fd_source = g_unix_fd_add (self->fd, G_IO_IN, on_timer, self);
  arm (self);
}

CmtdClock *
cmtd_clock_new (void)
{
  return g_object_new (CMTD_TYPE_CLOCK, NULL);
}

gint64
cmtd_clock_now (CmtdClock *self)
{
  return g_get_real_time () / G_USEC_PER_SEC + self->offset;
}

void
cmtd_clock_wake_all (CmtdClock *self)
{
  g_return_if_fail (!self->dispatching);

  dispatch (self, TRUE);
  arm (self);
}

void
cmtd_clock_cancel (CmtdClock       *self,
                   CmtdClockWatch **watch)
{
  if (*watch == NULL)
    return;
  /* entry_free clears *watch */
  g_sequence_remove ((GSequenceIter *) *watch);
  arm (self);
}

void
cmtd_clock_schedule (CmtdClock       *self,
                     CmtdClockWatch **watch,
                     gint64           deadline,
                     CmtdClockFunc    func,
                     gpointer         data)
{
  Entry *entry;
  GSequenceIter *iter;

  if (*watch != NULL)
    {
      Entry *old = g_sequence_get ((GSequenceIter *) *watch);
      if (old->deadline == deadline && old->func == func && old->data == data)
        return;
      g_sequence_remove ((GSequenceIter *) *watch);
    }
  if (deadline <= 0)
    {
      arm (self);
      return;
    }

  entry = g_new0 (Entry, 1);
  entry->deadline = deadline;
  entry->serial = self->next_serial++;
  entry->func = func;
  entry->data = data;
  entry->owner = watch;
  iter = g_sequence_insert_sorted (self->entries, entry, entry_compare, NULL);
  *watch = (CmtdClockWatch *) iter;
  arm (self);
}

guint
cmtd_clock_get_n_pending (CmtdClock *self)
{
  return (guint) g_sequence_get_length (self->entries);
}

gint64
cmtd_clock_get_next (CmtdClock *self)
{
  GSequenceIter *first = g_sequence_get_begin_iter (self->entries);

  if (g_sequence_iter_is_end (first))
    return 0;
  return ((Entry *) g_sequence_get (first))->deadline;
}
