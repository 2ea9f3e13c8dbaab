using LeeMl.Sweep.Cli;

return Cli.Run(args, Console.Out, Console.Error);
