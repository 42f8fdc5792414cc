//! Serves one Compute app with viceroy-lib's own server (`ViceroyService`, what the
//! `viceroy` CLI and `fastly compute serve` run), without ruststack: the baseline the
//! `fastly-compute-hello` bench scenario compares ruststack with.
//!
//! `viceroy_serve <app.wasm|app.wat> <host:port>`

use std::collections::HashSet;

use viceroy_lib::config::UnknownImportBehavior;
use viceroy_lib::{ExecuteCtx, ProfilingConfig, ViceroyService, WasmFeatures};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: viceroy_serve <app.wasm|app.wat> <host:port>";
    let mut args = std::env::args().skip(1);
    let wasm = args.next().ok_or(usage)?;
    let addr: std::net::SocketAddr = args.next().ok_or(usage)?.parse()?;
    let ctx = ExecuteCtx::new(
        wasm,
        ProfilingConfig::None,
        HashSet::new(),
        UnknownImportBehavior::LinkError,
        false,
        WasmFeatures::default(),
    )?;
    ViceroyService::new(ctx).serve(addr).await?;
    Ok(())
}
