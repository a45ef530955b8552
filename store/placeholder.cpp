// placeholder until store/ lands
