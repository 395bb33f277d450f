#!/usr/bin/env node
import { App, Stack, Stage, StageProps } from 'aws-cdk-lib';
import { PipelineType } from 'aws-cdk-lib/aws-codepipeline';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { ConnectionPreferences } from '../lib';
import { PartnerAccount, partnerAccountsConfig } from './partner-accounts';

/**
 * One pipeline deploys one stage per partner account (accounts from cdk.json's context), each with the
 * account's ConnectionPreferences. A merge to main is the deploy; the pull request runs synth and plan.
 * The partner accounts are bootstrapped to trust the pipeline account (`cdk bootstrap --trust`).
 */
class PartnerPreferencesStage extends Stage {
  constructor(scope: Construct, id: string, props: StageProps & { partner: PartnerAccount }) {
    super(scope, id, props);
    const stack = new Stack(this, 'ConnectionPreferences');
    new ConnectionPreferences(stack, 'Preferences', {
      accessType: props.partner.accessType,
      excludedParticipantIdentifiers: props.partner.excludedParticipantIdentifiers,
    });
  }
}

const app = new App();
const config = partnerAccountsConfig(app);
const pipelineStack = new Stack(app, 'PartnerPreferencesPipeline', { env: { account: config.centralAccount, region: config.region } });
const pipeline = new pipelines.CodePipeline(pipelineStack, 'Pipeline', {
  crossAccountKeys: true,
  pipelineType: PipelineType.V2,
  synth: new pipelines.ShellStep('Synth', {
    input: pipelines.CodePipelineSource.connection(config.repository, 'main', { connectionArn: config.connectionArn }),
    commands: ['npm ci', 'npx cdk synth --app "node bin/multi-account-pipeline-app.js"'],
  }),
});
for (const partner of config.partners) {
  pipeline.addStage(new PartnerPreferencesStage(pipelineStack, partner.name, { env: { account: partner.account, region: config.region }, partner }));
}
