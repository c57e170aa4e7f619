//! The BPF program's architecture slots, and syscall numbers to names with
//! libseccomp's tables.

use libseccomp::{ScmpArch, ScmpSyscall};

use super::bpf::{self, Watch};

/// x32 syscall numbers carry this bit (`__X32_SYSCALL_BIT`); the program
/// strips it, libseccomp's x32 table expects it.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// The architecture of each slot of the program on this machine: native,
/// compat, x32. Only x86_64 has the compat slots filled (the program detects
/// compat syscalls on x86 only).
pub(crate) fn slots() -> [Option<ScmpArch>; 3] {
    match ScmpArch::native() {
        ScmpArch::X8664 => [
            Some(ScmpArch::X8664),
            Some(ScmpArch::X86),
            Some(ScmpArch::X32),
        ],
        native => [Some(native), None, None],
    }
}

/// libseccomp's name of an architecture (`seccomp_arch_resolve_name`'s
/// spelling), as [`crate::recording::Recording`] keys them.
pub(crate) fn name(arch: ScmpArch) -> String {
    match arch {
        ScmpArch::X86 => "x86".into(),
        ScmpArch::X8664 => "x86_64".into(),
        ScmpArch::X32 => "x32".into(),
        ScmpArch::Arm => "arm".into(),
        ScmpArch::Aarch64 => "aarch64".into(),
        ScmpArch::Loongarch64 => "loongarch64".into(),
        ScmpArch::Mips => "mips".into(),
        ScmpArch::Mips64 => "mips64".into(),
        ScmpArch::Mips64N32 => "mips64n32".into(),
        ScmpArch::Mipsel => "mipsel".into(),
        ScmpArch::Mipsel64 => "mipsel64".into(),
        ScmpArch::Mipsel64N32 => "mipsel64n32".into(),
        ScmpArch::Ppc => "ppc".into(),
        ScmpArch::Ppc64 => "ppc64".into(),
        ScmpArch::Ppc64Le => "ppc64le".into(),
        ScmpArch::S390 => "s390".into(),
        ScmpArch::S390X => "s390x".into(),
        ScmpArch::Parisc => "parisc".into(),
        ScmpArch::Parisc64 => "parisc64".into(),
        ScmpArch::Riscv64 => "riscv64".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// The name of syscall `nr` (as the program recorded it) in `arch`, or
/// `None` when libseccomp does not know the number.
pub(crate) fn syscall_name(arch: ScmpArch, nr: u32) -> Option<String> {
    let nr = if arch == ScmpArch::X32 {
        nr | X32_SYSCALL_BIT
    } else {
        nr
    };
    let nr = i32::try_from(nr).ok()?;
    ScmpSyscall::from(nr).get_name_by_arch(arch).ok()
}

/// The syscall arguments the runtimes' default profiles restrict, whose
/// values are worth recording: clone's flags, personality's persona and
/// socket's family. (i386's `socketcall` multiplexes socket behind a call
/// number; RuntimeDefault does not restrict it, so neither is it watched.)
pub(crate) const WATCHED: &[(&str, u32)] = &[("clone", 0), ("personality", 0), ("socket", 0)];

/// The watches for every slot, by the syscall numbers of its architecture.
pub(crate) fn watches() -> Vec<Watch> {
    let mut watches = Vec::new();
    for (slot, arch) in slots().into_iter().enumerate() {
        let Some(arch) = arch else { continue };
        for &(syscall, mut arg) in WATCHED {
            // s390's clone takes the stack first and the flags second.
            if syscall == "clone" && matches!(arch, ScmpArch::S390 | ScmpArch::S390X) {
                arg = 1;
            }
            let Some(nr) = kernel_number(syscall, arch) else {
                continue;
            };
            watches.push(Watch {
                arch: slot as u32,
                nr: nr & !X32_SYSCALL_BIT,
                arg,
            });
        }
    }
    watches
}

/// The number the kernel sees for `syscall` in `arch`. libseccomp gives a
/// negative pseudo-number for the socket calls on i386 (it may rewrite them
/// to `socketcall`), so the table is searched by number then.
fn kernel_number(syscall: &str, arch: ScmpArch) -> Option<u32> {
    let nr = i32::from(ScmpSyscall::from_name_by_arch(syscall, arch).ok()?);
    if let Ok(nr) = u32::try_from(nr) {
        return Some(nr);
    }
    (0..bpf::SLOTS as u32).find(|&nr| syscall_name(arch, nr).as_deref() == Some(syscall))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_native_numbers() {
        let [Some(native), ..] = slots() else {
            panic!("no native arch")
        };
        let nr = ScmpSyscall::from_name_by_arch("openat", native).expect("openat");
        let nr = u32::try_from(i32::from(nr)).expect("positive");
        assert_eq!(syscall_name(native, nr).as_deref(), Some("openat"));
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn names_compat_and_x32_numbers() {
        assert_eq!(syscall_name(ScmpArch::X86, 11).as_deref(), Some("execve"));
        // x32's read is 0 | bit 30; the program records it as 0.
        assert_eq!(syscall_name(ScmpArch::X32, 0).as_deref(), Some("read"));
        assert_eq!(syscall_name(ScmpArch::X8664, 100_000), None);
        let watches = watches();
        assert!(watches.iter().any(|w| w.arch == 0 && w.nr == 56)); // clone
        assert!(watches.iter().any(|w| w.arch == 1 && w.nr == 359)); // i386 socket
    }
}
