using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;

namespace MailTumble.Aws;

/// <summary>Builds SDK clients for the configured endpoint (real AWS by region, or one emulator URL).</summary>
internal static class AwsClients
{
    public static AmazonS3Config S3Config(AwsOptions options)
    {
        var config = new AmazonS3Config
        {
            // Checksums only when the API requires them: emulators do not all speak aws-chunked trailers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        Apply(config, options);
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.ForcePathStyle = true;
        }

        return config;
    }

    public static AmazonSQSConfig SqsConfig(AwsOptions options)
    {
        // The default 100 s timeout is far above a 20 s long poll; keep it, but retry little so outages surface.
        var config = new AmazonSQSConfig { MaxErrorRetry = 3 };
        Apply(config, options);
        return config;
    }

    public static AmazonDynamoDBConfig DynamoDbConfig(AwsOptions options)
    {
        var config = new AmazonDynamoDBConfig { Timeout = TimeSpan.FromSeconds(5), MaxErrorRetry = 2 };
        if (!string.IsNullOrWhiteSpace(options.DynamoDbServiceUrl))
        {
            config.ServiceURL = options.DynamoDbServiceUrl;
            config.AuthenticationRegion = string.IsNullOrWhiteSpace(options.Region) ? "us-east-1" : options.Region;
        }
        else if (!string.IsNullOrWhiteSpace(options.Region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return config;
    }

    public static IAmazonDynamoDB CreateDynamoDb(AwsOptions options, AWSCredentials? credentials = null) =>
        credentials is null ? new AmazonDynamoDBClient(DynamoDbConfig(options)) : new AmazonDynamoDBClient(credentials, DynamoDbConfig(options));

    public static IAmazonS3 CreateS3(AwsOptions options, AWSCredentials? credentials = null) =>
        credentials is null ? new AmazonS3Client(S3Config(options)) : new AmazonS3Client(credentials, S3Config(options));

    public static IAmazonSQS CreateSqs(AwsOptions options, AWSCredentials? credentials = null) =>
        credentials is null ? new AmazonSQSClient(SqsConfig(options)) : new AmazonSQSClient(credentials, SqsConfig(options));

    private static void Apply(ClientConfig config, AwsOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = string.IsNullOrWhiteSpace(options.Region) ? "us-east-1" : options.Region;
        }
        else if (!string.IsNullOrWhiteSpace(options.Region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
    }
}
