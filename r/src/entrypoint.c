// R's entry point for the package's shared library: registers the Rust functions, which the
// extendr module in rust/src/lib.rs declares.
void R_init_banditpamrs_extendr(void *dll);

void R_init_banditpamrs(void *dll) {
    R_init_banditpamrs_extendr(dll);
}
