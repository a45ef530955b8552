// placeholder until connectors land
