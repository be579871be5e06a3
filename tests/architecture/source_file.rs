//! What one source file of the crate names, read with `syn`: the leaves of its `use`
//! trees, the paths written in its code (macro bodies and attribute arguments too,
//! which `syn` leaves as tokens) and its identifiers. Comments and string literals are
//! not code, and items marked `#[cfg(test)]` are left out: unit tests use whatever
//! they like.

use std::collections::BTreeSet;

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// A path as written, with the inline modules (`mod inner { … }`) it is written in,
/// which `self` and `super` count from.
pub struct WrittenPath {
    pub segments: Vec<String>,
    pub inline_modules: Vec<String>,
}

/// One leaf of a `use` tree: `use a::{b, c::D as E}` has `a::b` and `a::c::D` (as
/// `E`); `self` in a group names the group's module, `*` stays as the last segment.
pub struct UseLeaf {
    pub path: WrittenPath,
    pub alias: Option<String>,
    /// `pub use` or `pub(…) use`: the name is re-exported.
    pub public: bool,
}

#[derive(Default)]
pub struct SourceFile {
    pub uses: Vec<UseLeaf>,
    /// Paths of two segments or more outside `use` (`crate::a::b`, `queue::Queue`),
    /// `::std::…` left out.
    pub paths: Vec<WrittenPath>,
    /// Every identifier in the code.
    pub words: BTreeSet<String>,
    /// `#[cfg(test)] mod name;` (with the inline modules around it): files only the
    /// tests compile.
    pub test_modules: Vec<Vec<String>>,
}

impl SourceFile {
    pub fn parse(text: &str) -> syn::Result<SourceFile> {
        let mut reader = Reader::default();
        reader.visit_file(&syn::parse_file(text)?);
        Ok(reader.file)
    }
}

#[derive(Default)]
struct Reader {
    file: SourceFile,
    inline_modules: Vec<String>,
}

impl Reader {
    fn written(&self, segments: Vec<String>) -> WrittenPath {
        WrittenPath {
            segments,
            inline_modules: self.inline_modules.clone(),
        }
    }

    fn use_leaves(&mut self, prefix: &[String], tree: &syn::UseTree, public: bool) {
        let leaf = |reader: &mut Reader, last: Option<String>, alias: Option<String>| {
            let segments: Vec<String> = prefix.iter().cloned().chain(last).collect();
            if !segments.is_empty() {
                let path = reader.written(segments);
                reader.file.uses.push(UseLeaf {
                    path,
                    alias,
                    public,
                });
            }
        };
        let own = |ident: &syn::Ident| (ident != "self").then(|| ident.to_string());
        match tree {
            syn::UseTree::Path(path) => {
                let inner = [prefix, &[path.ident.to_string()]].concat();
                self.use_leaves(&inner, &path.tree, public);
            }
            syn::UseTree::Name(name) => leaf(self, own(&name.ident), None),
            syn::UseTree::Rename(rename) => {
                leaf(self, own(&rename.ident), Some(rename.rename.to_string()));
            }
            syn::UseTree::Glob(_) => leaf(self, Some("*".into()), None),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_leaves(prefix, tree, public);
                }
            }
        }
    }

    /// The paths and identifiers in tokens `syn` does not parse: a macro's body, an
    /// attribute's arguments. A path is identifiers joined by `::`.
    fn tokens(&mut self, tokens: &TokenStream) {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            let TokenTree::Ident(first) = &trees[i] else {
                if let TokenTree::Group(group) = &trees[i] {
                    self.tokens(&group.stream());
                }
                i += 1;
                continue;
            };
            let external = i >= 2 && separates(&trees[i - 2], &trees[i - 1]);
            let mut segments = vec![first.to_string()];
            i += 1;
            while let (Some(a), Some(b), Some(TokenTree::Ident(next))) =
                (trees.get(i), trees.get(i + 1), trees.get(i + 2))
                && separates(a, b)
            {
                segments.push(next.to_string());
                i += 3;
            }
            self.file.words.extend(segments.iter().cloned());
            if segments.len() > 1 && !external {
                let path = self.written(segments);
                self.file.paths.push(path);
            }
        }
    }
}

/// `::` is two joined colons.
fn separates(first: &TokenTree, second: &TokenTree) -> bool {
    matches!((first, second), (TokenTree::Punct(a), TokenTree::Punct(b))
        if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
}

fn test_only(attributes: &[syn::Attribute]) -> bool {
    attributes.iter().any(|attribute| {
        attribute.path().is_ident("cfg")
            && attribute
                .parse_args::<syn::Ident>()
                .is_ok_and(|predicate| predicate == "test")
    })
}

/// Visits of the nodes that can carry `#[cfg(test)]` (in their `attrs`), which skip
/// a test-only node.
macro_rules! unless_test_only {
    ($($visit:ident: $node:ident),* $(,)?) => {$(
        fn $visit(&mut self, node: &'ast syn::$node) {
            if !test_only(&node.attrs) {
                visit::$visit(self, node);
            }
        }
    )*};
}

impl<'ast> Visit<'ast> for Reader {
    unless_test_only! {
        visit_item_const: ItemConst,
        visit_item_enum: ItemEnum,
        visit_item_extern_crate: ItemExternCrate,
        visit_item_fn: ItemFn,
        visit_item_foreign_mod: ItemForeignMod,
        visit_item_impl: ItemImpl,
        visit_item_macro: ItemMacro,
        visit_item_static: ItemStatic,
        visit_item_struct: ItemStruct,
        visit_item_trait: ItemTrait,
        visit_item_trait_alias: ItemTraitAlias,
        visit_item_type: ItemType,
        visit_item_union: ItemUnion,
        visit_impl_item_const: ImplItemConst,
        visit_impl_item_fn: ImplItemFn,
        visit_impl_item_type: ImplItemType,
        visit_impl_item_macro: ImplItemMacro,
        visit_trait_item_const: TraitItemConst,
        visit_trait_item_fn: TraitItemFn,
        visit_trait_item_type: TraitItemType,
        visit_trait_item_macro: TraitItemMacro,
        visit_local: Local,
        visit_field: Field,
        visit_variant: Variant,
        visit_arm: Arm,
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        let name = module.ident.to_string();
        if test_only(&module.attrs) {
            if module.content.is_none() {
                let file = self.inline_modules.iter().cloned().chain([name]).collect();
                self.file.test_modules.push(file);
            }
            return;
        }
        let inline = module.content.is_some();
        if inline {
            self.inline_modules.push(name);
        }
        visit::visit_item_mod(self, module);
        if inline {
            self.inline_modules.pop();
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        if test_only(&item.attrs) {
            return;
        }
        let public = !matches!(item.vis, syn::Visibility::Inherited);
        self.use_leaves(&[], &item.tree, public);
        visit::visit_item_use(self, item);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() && path.segments.len() > 1 {
            let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let path = self.written(segments);
            self.file.paths.push(path);
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        visit::visit_macro(self, mac);
        self.tokens(&mac.tokens);
    }

    fn visit_meta_list(&mut self, list: &'ast syn::MetaList) {
        visit::visit_meta_list(self, list);
        self.tokens(&list.tokens);
    }

    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        self.file.words.insert(ident.to_string());
    }
}
