/* cmt-resources.c: the app's GResource (templates, style, shortcuts, icons) */
#include "cmt-resources.h"

/* Generated with --manual-register: a static library would drop an object
 * file that is reached only through a constructor. */
void cmt_gui_register_resource (void);

void
cmt_gui_ensure_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      cmt_gui_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}
