/**
 * Maintenance windows as pure schedule arithmetic: when a window is open, when the next one opens,
 * and whether an upgrade's estimated stop fits in what remains. Nothing here reads a clock or the
 * store; callers pass instants (the scheduler takes them from an injected {@link java.time.Clock}).
 *
 * <p><b>Daylight saving.</b> A window starts at a local wall time in its zone. When that wall time
 * does not exist (spring forward), the window starts at the first valid instant after the gap
 * (the transition itself: 02:30 in a 02:00-03:00 gap starts at 03:00 new time). When it exists
 * twice (fall back), the window starts at the earlier instant, once. A window's length is real
 * elapsed time, so a 2 h window that spans a transition ends 2 h after it starts, whatever the
 * wall clock says. Windows that overlap or touch, from one definition or several, form one
 * opening. See docs/windows.md.
 */
package dev.molt.window;
