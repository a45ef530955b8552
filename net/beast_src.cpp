// placeholder until net/ lands
