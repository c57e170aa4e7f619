//! Passing termination signals on to a command this process started, so
//! that stopping kensa (Ctrl-C, `kill`, a DaemonSet's SIGTERM) stops the
//! workload first and kensa then exits through its normal path, detaching
//! what it attached.
//!
//! Install the handlers before starting the command ([`install`]), then
//! name the child ([`forward_to`]): a signal that arrives in between is
//! held and passed on as soon as the child is known, so there is no window
//! in which a SIGTERM ends kensa without its cleanup.

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicI32, Ordering};

/// The child to forward to; 0 while there is none.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// A signal that arrived before the child was known; 0 for none.
static PENDING: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(signal: libc::c_int) {
    let child = CHILD.load(Ordering::SeqCst);
    if child > 0 {
        // SAFETY: kill is async-signal-safe; the pid is a child of this
        // process that has not been reaped (it is cleared before that).
        unsafe {
            libc::kill(child, signal);
        }
    } else {
        PENDING.store(signal, Ordering::SeqCst);
    }
}

/// From now on, SIGINT, SIGTERM and SIGHUP no longer end this process: they
/// are passed on to the child named by [`forward_to`], or held until then.
pub fn install() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installs a handler that only touches atomics and calls
        // kill; a zeroed sigaction with SA_RESTART is a valid argument.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = forward as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// Whether a termination signal arrived while no child was named.
pub fn pending() -> Option<i32> {
    match PENDING.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Passes termination signals on to `child` from now on, and the one held
/// since [`install`], if any, right away.
pub fn forward_to(child: libc::pid_t) {
    CHILD.store(child, Ordering::SeqCst);
    let held = PENDING.swap(0, Ordering::SeqCst);
    if held != 0 {
        // SAFETY: as in the handler; `child` was just started by the caller.
        unsafe {
            libc::kill(child, held);
        }
    }
}

/// Stops forwarding (call before reaping the child, whose pid may then be
/// reused); later signals are held again.
pub fn stop_forwarding() {
    CHILD.store(0, Ordering::SeqCst);
}
