namespace LeeMl.Sweep.Learning.Training;

/// <summary>
/// How to train. <see cref="Curriculum"/>: a score per training row (lower = easier); over the
/// first <see cref="CurriculumEpochs"/> epochs only the easiest share of rows is used, growing
/// linearly to all of them. <see cref="InitialParameters"/>: start from these (fine-tuning)
/// instead of the model's initialisation.
/// </summary>
public sealed record TrainOptions(
    int Epochs, int BatchSize, bool Shuffle = true, ulong Seed = 0,
    double[]? Curriculum = null, int CurriculumEpochs = 0, double[]? InitialParameters = null)
{
    /// <summary>Optimizer steps in the whole run, for schedules whose length defaults to it.</summary>
    public long TotalSteps(int trainRows) => (long)Epochs * ((trainRows + BatchSize - 1) / BatchSize);
}
