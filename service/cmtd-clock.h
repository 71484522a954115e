/* cmtd-clock.h: the one wall-clock timer behind every status change in cmatokend */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CMTD_TYPE_CLOCK (cmtd_clock_get_type ())
G_DECLARE_FINAL_TYPE (CmtdClock, cmtd_clock, CMTD, CLOCK, GObject)

typedef void (*CmtdClockFunc) (gpointer data);

/* An entry in the clock; NULL when nothing is scheduled. */
typedef struct _CmtdClockWatch CmtdClockWatch;

CmtdClock *cmtd_clock_new            (void);

/* Seconds since the epoch, plus $CMATOKEN_NOW_OFFSET (for demos and tests). */
gint64     cmtd_clock_now            (CmtdClock       *self);

/*
 * Calls @func(@data) once at @deadline (clock seconds), or at once after
 * the wall clock was set or the machine resumed. Replaces *@watch; a
 * @deadline of 0 only cancels it. @func is called with *@watch already
 * cleared, and usually schedules the next deadline.
 */
void       cmtd_clock_schedule       (CmtdClock       *self,
                                      CmtdClockWatch **watch,
                                      gint64           deadline,
                                      CmtdClockFunc    func,
                                      gpointer         data);
void       cmtd_clock_cancel         (CmtdClock       *self,
                                      CmtdClockWatch **watch);

/* Calls every scheduled function now, as after a clock change: for a
 * resume that the kernel did not report (logind's PrepareForSleep). */
void       cmtd_clock_wake_all       (CmtdClock       *self);

/* For tests and logs: how many deadlines are waiting, and the next one (0 if none). */
guint      cmtd_clock_get_n_pending  (CmtdClock       *self);
gint64     cmtd_clock_get_next       (CmtdClock       *self);

G_END_DECLS
