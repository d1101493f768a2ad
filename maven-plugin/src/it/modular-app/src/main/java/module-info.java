module demo.modular {
    requires dev.coda;

    exports demo.modular;
}
