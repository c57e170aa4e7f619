//! Generate and load big `kubectl get pods -A -o json|yaml` files, for
//! measuring the loader end to end (time and peak memory).
//!
//! ```text
//! cargo run --release -p kensa-k8s --example pods -- gen 100000 /tmp/pods.json
//! cargo run --release -p kensa-k8s --example pods -- gen-yaml 10000 /tmp/pods.yaml
//! /usr/bin/time -v target/release/examples/pods load /tmp/pods.json
//! /usr/bin/time -v target/release/examples/pods load-map /tmp/pods.json
//! ```

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../benches/pods_gen.rs"]
mod pods_gen;

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some(cmd @ ("gen" | "gen-yaml")) if args.len() == 4 => {
            let n: usize = args[2].parse().unwrap_or(1000);
            let text = if cmd == "gen" {
                pods_gen::pods_json(n)
            } else {
                pods_gen::pods_yaml(n)
            };
            if let Err(e) = std::fs::write(&args[3], text) {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
        Some("load") if args.len() == 3 => {
            let start = Instant::now();
            let loaded = kensa_k8s::load(&[kensa_k8s::Input::Path(args[2].clone().into())]);
            let elapsed = start.elapsed();
            let pods = loaded.objects.iter().filter(|o| o.pod.is_some()).count();
            println!(
                "{} objects ({pods} with a pod spec), {} diagnostics, {:.3} s",
                loaded.objects.len(),
                loaded.diagnostics.len(),
                elapsed.as_secs_f64()
            );
        }
        Some("load-map") if args.len() == 3 => {
            // What a checker does: look at each pod, keep a small result.
            let start = Instant::now();
            let mapped =
                kensa_k8s::load_map(&[kensa_k8s::Input::Path(args[2].clone().into())], |o| {
                    let spec = o.pod.as_ref().map(|p| &p.spec);
                    let privileged = spec.is_some_and(|s| {
                        s.containers.iter().any(|c| {
                            c.security_context.as_ref().and_then(|sc| sc.privileged) == Some(true)
                        })
                    });
                    (o.position, privileged)
                });
            let elapsed = start.elapsed();
            let privileged = mapped.items.iter().filter(|(_, p)| *p).count();
            println!(
                "{} objects ({privileged} privileged), {} diagnostics, {:.3} s",
                mapped.items.len(),
                mapped.diagnostics.len(),
                elapsed.as_secs_f64()
            );
        }
        _ => {
            eprintln!(
                "usage: pods gen N FILE | pods gen-yaml N FILE | pods load FILE | pods load-map FILE"
            );
            std::process::exit(2);
        }
    }
}
