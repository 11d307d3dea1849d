//! Pinning across composed files (GG201–GG204): kustomize, Flux and Argo CD build what runs
//! from several files, so a reference one file leaves open may be pinned by another.
//!
//! - kustomize `images:` transforms everything a kustomization includes, transitively: an
//!   image in a base is reported only when some root kustomization (one nobody includes)
//!   leaves it unpinned, and the message names that root ([`images`]);
//! - a Flux base `HelmRelease` without a chart version is pinned when every root patches a
//!   version into it ([`helm_patches`]);
//! - a Flux `GitRepository` is judged where it is written, for the charts of any file
//!   ([`sources`]); one that is the repository itself may follow a branch ([`self_repo`]).
//!
//! A file no kustomization includes is judged alone. The whole index is read only for a file
//! that has a finding composition could clear, once per run ([`graph::of`]).

mod graph;
mod helm_patches;
mod images;
pub mod self_repo;
pub mod sources;

use super::image_ref::ImageRef;
use super::pins::{Problem, Unpinned};
use super::{Ctx, File};
use images::Verdict;

/// The image findings of `file` once the kustomizations that include it are taken into
/// account.
pub fn images(file: &File, ctx: &Ctx, mut found: Vec<Unpinned>) -> Vec<Unpinned> {
    let clearable = |u: &Unpinned| {
        matches!(
            u.problem,
            Problem::MutableTag | Problem::Untagged | Problem::Snapshot
        )
    };
    if graph::is_kustomization_path(file.path) || !found.iter().any(clearable) {
        return found;
    }
    let sites = images::transformable(file);
    if !found
        .iter()
        .any(|u| clearable(u) && sites.iter().any(|(s, _)| *s == u.span))
    {
        return found;
    }
    let graph = graph::of(ctx.repo);
    if graph.is_empty() {
        return found;
    }
    let chains = graph.chains(file.path);
    if chains.is_empty() {
        return found;
    }
    let mutable = &ctx.settings.images.mutable_tags;
    found.retain_mut(|u| {
        if !clearable(u) {
            return true;
        }
        let Some((_, written)) = sites.iter().find(|(s, _)| *s == u.span) else {
            return true;
        };
        match images::verdict(&graph, &chains, written, mutable) {
            None => true,
            Some(Verdict::Pinned) => false,
            Some(Verdict::LeftUnpinned(roots)) => {
                let named = images::name_roots(&roots);
                u.message = format!(
                    "{}; {named} builds this file and does not pin it with `images:`",
                    u.message
                );
                let name = ImageRef::parse(written).map_or_else(|| written.clone(), |r| r.name());
                u.help = format!(
                    "{}; or pin it where it is built: `images: [{{name: {name}, newTag: \
                     <version>}}]` in {named}",
                    u.help
                );
                true
            }
        }
    });
    found
}

/// The chart findings of `file` once the kustomizations that include it are taken into
/// account: a `HelmRelease` without a version that every root patches one into is pinned.
pub fn charts(file: &File, ctx: &Ctx, mut found: Vec<Unpinned>) -> Vec<Unpinned> {
    if graph::is_kustomization_path(file.path)
        || !found.iter().any(|u| u.problem == Problem::UnpinnedChart)
    {
        return found;
    }
    let releases = helm_patches::unversioned_releases(file);
    if !found
        .iter()
        .any(|u| releases.iter().any(|(s, _)| *s == u.span))
    {
        return found;
    }
    let graph = graph::of(ctx.repo);
    let chains = graph.chains(file.path);
    if chains.is_empty() {
        return found;
    }
    found.retain_mut(|u| {
        let Some((_, name)) = releases
            .iter()
            .find(|(s, _)| *s == u.span && u.problem == Problem::UnpinnedChart)
        else {
            return true;
        };
        let mut left: Vec<String> = chains
            .iter()
            .filter(|chain| {
                !chain
                    .iter()
                    .any(|&k| helm_patches::sets_version(&graph, ctx.repo, k, name))
            })
            .filter_map(|chain| chain.last().map(|&k| graph.kustomization(k).path.clone()))
            .collect();
        left.sort();
        left.dedup();
        if left.is_empty() {
            return false;
        }
        let named = images::name_roots(&left);
        u.message = format!(
            "{}; {named} builds this file and patches no version into it",
            u.message
        );
        u.help = format!(
            "{}, or patch `spec.chart.spec.version` into it from {named}",
            u.help
        );
        true
    });
    found
}
